// Deno's own test runner (`deno test`) runs every portable case against the harness's deployment.
import { nodeOnlyImports } from "../src/node-only-imports.ts";
import { type Deployment, seedFlow } from "../src/seed-flow.ts";

const deployment = JSON.parse(Deno.env.get("PROXY_AUTH_DEPLOYMENT") ?? "") as Deployment;
for (const check of [...seedFlow, ...nodeOnlyImports]) {
  Deno.test(check.name, () => check.run(deployment));
}
