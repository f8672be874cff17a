// The seed flow as a list of cases that run on any runtime with fetch: Node, Bun, Deno and
// Cloudflare's workerd load this file (and, through it, the BUILT packages) each in its own way.
// Only web-standard APIs here: no node:*, no process, no Buffer.

import {
  acompletion,
  aembedding,
  createAuthFetch,
  createClient,
  litellm,
} from "@proxy-auth/client";
import { ProxyAuthHandler, type ProxyAuthHandlerOptions } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";

/** Where the loopback identity provider, the proxy and the harness's control server listen. */
export interface Deployment {
  tokenUrl: string;
  proxyUrl: string;
  /** The Node harness: `GET /stats`, `POST /revoke`, `GET /echo` (another origin than the proxy). */
  controlUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
}

/** The packages a case exercises, for the compatibility table. */
export type PackageName = "core" | "oauth2" | "client" | "azure" | "cache-redis";

/** One check, run in every runtime. */
export interface SeedCase {
  name: string;
  /** The packages it exercises. */
  packages: PackageName[];
  /** What passing shows: the packages work here, or they refuse to load here (Node-only). */
  outcome: "works" | "refused";
  run(deployment: Deployment): Promise<void>;
}

/** What the harness reports about what it has seen. */
export interface Stats {
  tokensIssued: number;
  proxyRequests: { path: string; status: number; rejection?: string }[];
}

/** The request every case sends. */
export const hello = { model: "gpt-4", messages: [{ role: "user" as const, content: "Hello!" }] };
const seedPackages: PackageName[] = ["core", "oauth2", "client"];

/** Throws when `condition` is false: the cases bring no assertion library of their own. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** The seed's handler: GenericOAuth2Credential against the deployment's identity provider. */
export function handlerFor(
  deployment: Deployment,
  options: Partial<ProxyAuthHandlerOptions> = {},
): ProxyAuthHandler {
  return new ProxyAuthHandler({
    credential: new GenericOAuth2Credential({
      clientId: deployment.clientId,
      clientSecret: deployment.clientSecret,
      tokenUrl: deployment.tokenUrl,
    }),
    scope: deployment.scope,
    onTokenError: "throw",
    ...options,
  });
}

/** What the harness has seen so far. */
export async function stats(deployment: Deployment): Promise<Stats> {
  const response = await fetch(`${deployment.controlUrl}/stats`);
  return (await response.json()) as Stats;
}

/** The cases, in order. Each builds its own handler: none depends on another's state. */
export const seedFlow: SeedCase[] = [
  {
    name: "completion() through the global settings, one grant for two calls",
    packages: seedPackages,
    outcome: "works",
    async run(deployment) {
      const before = await stats(deployment);
      litellm.proxyAuth = handlerFor(deployment);
      litellm.apiBase = deployment.proxyUrl;
      try {
        const first = await litellm.completion(hello);
        const second = await acompletion(hello);
        check(first.choices[0]?.message.content === "Echo: Hello!", "first answer");
        check(second.choices[0]?.message.content === "Echo: Hello!", "second answer");
      } finally {
        litellm.proxyAuth = undefined;
        litellm.apiBase = undefined;
      }
      const after = await stats(deployment);
      check(after.tokensIssued - before.tokensIssued === 1, "one token grant serves both calls");
    },
  },
  {
    name: "completion({ stream: true }) streams chunks that add up to the answer",
    packages: seedPackages,
    outcome: "works",
    async run(deployment) {
      const client = createClient({
        apiBase: deployment.proxyUrl,
        proxyAuth: handlerFor(deployment),
      });
      const stream = await client.completion({ ...hello, stream: true });
      let text = "";
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        text += chunk.choices[0]?.delta.content ?? "";
      }
      check(text === "Echo: Hello!", `streamed text was ${JSON.stringify(text)}`);
      check(chunks > 1, "the answer came in several chunks");
    },
  },
  {
    name: "embedding() returns one vector per input",
    packages: seedPackages,
    outcome: "works",
    async run(deployment) {
      litellm.proxyAuth = handlerFor(deployment);
      try {
        const response = await aembedding(
          { model: "text-embedding-3-small", input: ["a", "b"] },
          { apiBase: `${deployment.proxyUrl}/v1` },
        );
        check(response.data.length === 2, "two vectors");
        check(response.data[0]?.embedding.length === 8, "vectors of the proxy's size");
      } finally {
        litellm.proxyAuth = undefined;
      }
    },
  },
  {
    name: "a 401 for a revoked token invalidates it and replays once with a fresh one",
    packages: seedPackages,
    outcome: "works",
    async run(deployment) {
      const handler = handlerFor(deployment);
      const client = createClient({ apiBase: deployment.proxyUrl, proxyAuth: handler });
      const revoked = (await handler.getToken()).token;
      const revoke = await fetch(`${deployment.controlUrl}/revoke`, {
        method: "POST",
        body: revoked,
      });
      check(revoke.status === 204, "the harness revoked the token");
      const before = await stats(deployment);
      const response = await client.completion(hello);
      check(response.choices[0]?.message.content === "Echo: Hello!", "answer after the replay");
      const after = await stats(deployment);
      const seen = after.proxyRequests.slice(before.proxyRequests.length);
      check(
        JSON.stringify(seen.map((request) => request.status)) === "[401,200]",
        `the proxy answered ${seen.map((request) => request.status).join(", ")}`,
      );
      check(after.tokensIssued - before.tokensIssued === 1, "one fresh grant for the replay");
      check((await handler.getToken()).token !== revoked, "the revoked token is gone");
    },
  },
  {
    name: "createAuthFetch adds the token for listed origins only",
    packages: seedPackages,
    outcome: "works",
    async run(deployment) {
      const authFetch = createAuthFetch(handlerFor(deployment), {
        origins: [new URL(deployment.proxyUrl).origin],
      });
      const response = await authFetch(`${deployment.proxyUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(hello),
      });
      check(response.status === 200, `the proxy answered ${response.status}`);
      const answer = (await response.json()) as { choices: { message: { content: string } }[] };
      check(answer.choices[0]?.message.content === "Echo: Hello!", "answer through authFetch");
      const echo = await authFetch(`${deployment.controlUrl}/echo`);
      const seen = (await echo.json()) as { authorization: boolean };
      check(!seen.authorization, "no token sent to an origin outside the list");
    },
  },
  {
    name: "DPoP: a token bound to a WebCrypto key, a fresh proof on every request",
    packages: seedPackages,
    outcome: "works",
    async run(deployment) {
      const handler = new ProxyAuthHandler({
        credential: new GenericOAuth2Credential({
          clientId: deployment.clientId,
          clientSecret: deployment.clientSecret,
          tokenUrl: deployment.tokenUrl,
          dpop: true,
        }),
        scope: deployment.scope,
        onTokenError: "throw",
      });
      const client = createClient({ apiBase: deployment.proxyUrl, proxyAuth: handler });
      const before = await stats(deployment);
      const first = await client.completion(hello);
      const second = await client.embedding({ model: "e", input: "x" });
      check(first.choices[0]?.message.content === "Echo: Hello!", "answer with a DPoP proof");
      check(second.data.length === 1, "embedding with a DPoP proof");
      check((await handler.getToken()).tokenType === "DPoP", "the token is DPoP-bound");
      const after = await stats(deployment);
      const sent = after.proxyRequests.slice(before.proxyRequests.length);
      // The proxy checks every proof (signature, htm/htu, ath, cnf.jkt, jti): both accepted.
      check(
        sent.length === 2 && sent.every((request) => request.status === 200),
        "the proxy accepted both proofs",
      );
    },
  },
];
