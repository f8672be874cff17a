// Bun's own test runner runs the seed flow against the harness's deployment (bun test).
import { test } from "bun:test";
import { nodeOnlyImports } from "../src/node-only-imports.ts";
import { type Deployment, seedFlow } from "../src/seed-flow.ts";

const deployment = JSON.parse(process.env.PROXY_AUTH_DEPLOYMENT ?? "") as Deployment;
for (const seedCase of seedFlow) test(seedCase.name, () => seedCase.run(deployment));
for (const importCase of nodeOnlyImports) test(importCase.name, () => importCase.run());
