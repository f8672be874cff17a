// A Cloudflare Worker that runs one case of the seed flow per request (`GET /?case=NAME`),
// inside workerd, and answers `{ ok, error? }`. The harness bundles it as wrangler would.
import { nodeOnlyImports } from "../src/node-only-imports.ts";
import { type Deployment, seedFlow } from "../src/seed-flow.ts";

interface Env {
  PROXY_AUTH_DEPLOYMENT: string;
}

const cases = new Map<string, () => Promise<void>>();

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (cases.size === 0) {
      const deployment = JSON.parse(env.PROXY_AUTH_DEPLOYMENT) as Deployment;
      for (const seedCase of seedFlow) cases.set(seedCase.name, () => seedCase.run(deployment));
      for (const importCase of nodeOnlyImports) cases.set(importCase.name, importCase.run);
    }
    const name = new URL(request.url).searchParams.get("case");
    if (name === null) return Response.json([...cases.keys()]);
    const run = cases.get(name);
    if (run === undefined) return Response.json({ ok: false, error: `no case named ${name}` });
    try {
      await run();
      return Response.json({ ok: true });
    } catch (error) {
      return Response.json({ ok: false, error: error instanceof Error ? `${error.stack ?? error.message}${error.cause ? `\ncause: ${error.cause}` : ""}` : String(error) });
    }
  },
};
