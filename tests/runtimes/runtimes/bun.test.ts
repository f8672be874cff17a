// Bun's own test runner (`bun test`) runs every portable case against the harness's deployment.
import { test } from "bun:test";
import { nodeOnlyImports } from "../src/node-only-imports.ts";
import { type Deployment, seedFlow } from "../src/seed-flow.ts";

const deployment = JSON.parse(process.env.PROXY_AUTH_DEPLOYMENT ?? "") as Deployment;
for (const check of [...seedFlow, ...nodeOnlyImports]) {
  test(check.name, () => check.run(deployment));
}
