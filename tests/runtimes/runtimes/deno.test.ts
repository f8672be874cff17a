// Deno's own test runner runs the seed flow against the harness's deployment (deno test).
import { nodeOnlyImports } from "../src/node-only-imports.ts";
import { type Deployment, seedFlow } from "../src/seed-flow.ts";

const deployment = JSON.parse(Deno.env.get("PROXY_AUTH_DEPLOYMENT") ?? "") as Deployment;
for (const seedCase of seedFlow) Deno.test(seedCase.name, () => seedCase.run(deployment));
for (const importCase of nodeOnlyImports) Deno.test(importCase.name, () => importCase.run());
