// A Cloudflare Worker that runs one portable case per request (`GET /?case=NAME`) inside
// workerd and answers `{ ok, error? }`; `GET /` lists the cases. The harness bundles it as
// wrangler would.
import { nodeOnlyImports } from "../src/node-only-imports.ts";
import { type Deployment, seedFlow } from "../src/seed-flow.ts";

interface Env {
  PROXY_AUTH_DEPLOYMENT: string;
}

const cases = [...seedFlow, ...nodeOnlyImports];

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause === undefined ? "" : `\ncause: ${describe(error.cause)}`;
  return `${error.stack ?? error.message}${cause}`;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const name = new URL(request.url).searchParams.get("case");
    if (name === null) return Response.json(cases.map((check) => check.name));
    const check = cases.find((candidate) => candidate.name === name);
    if (check === undefined) return Response.json({ ok: false, error: `no case named ${name}` });
    try {
      await check.run(JSON.parse(env.PROXY_AUTH_DEPLOYMENT) as Deployment);
      return Response.json({ ok: true });
    } catch (error) {
      return Response.json({ ok: false, error: describe(error) });
    }
  },
};
