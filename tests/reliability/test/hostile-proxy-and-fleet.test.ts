import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createGzip } from "node:zlib";
import { createRedisTokenCache, type RedisTokenCache } from "@proxy-auth/cache-redis";
import { createClient } from "@proxy-auth/client";
import {
  type AccessToken,
  ConfigurationError,
  ProxyAuthError,
  ProxyAuthHandler,
} from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type RedisServer,
  startIdentityProvider,
  startRedisServer,
} from "@proxy-auth/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Hostile inputs, part two: a proxy (or anything between the client and it) that answers what
// it likes, and a fleet sharing Redis whose clocks disagree or whose provider is slow. Each case
// must end in the typed error it names (never a raw TypeError or RangeError, never a silent
// success), and no process may serve a token past its real expiry.

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
let handle: Handler;
let server: Server;
let apiBase: string;
let requests = 0;
let idp: IdentityProvider;
let redis: RedisServer;
const caches: RedisTokenCache[] = [];
const figures = { cases: 0, typedErrors: 0, rawErrors: 0, staleTokensServed: 0, slowGrants: 0 };

beforeAll(async () => {
  server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on("end", () => handle(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  idp = await startIdentityProvider();
  redis = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(caches.map((cache) => cache.close()));
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await redis.stop();
  await idp.close();
});

const chunk = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] })}\n\n`;
const sse = (response: ServerResponse, body: string) => {
  response.writeHead(200, { "content-type": "text/event-stream" });
  response.end(body);
};
/** Writes `piece` until the client goes away, respecting backpressure. */
function endless(target: NodeJS.WritableStream, piece: Buffer | string) {
  const pump = () => {
    while (target.write(piece));
    target.once("drain", pump);
  };
  pump();
}

const hello = { model: "m", messages: [{ role: "user" as const, content: "Hi" }] };
async function drain(stream: AsyncIterable<unknown>) {
  for await (const _ of stream);
}

const cases: [name: string, handler: Handler, call: () => Promise<unknown>, expected: RegExp][] = [
  [
    "an endless JSON answer",
    (_, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      endless(response, Buffer.alloc(64 * 1024, "1"));
    },
    () => createClient({ apiBase, maxResponseBytes: 1024 * 1024 }).completion(hello),
    /maxResponseBytes/,
  ],
  [
    "a gzip bomb",
    (_, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      const gzip = createGzip();
      gzip.pipe(response);
      response.on("close", () => gzip.destroy());
      endless(gzip, Buffer.alloc(1024 * 1024));
    },
    () =>
      createClient({ apiBase, maxResponseBytes: 1024 * 1024 }).embedding({
        model: "e",
        input: "x",
      }),
    /maxResponseBytes/,
  ],
  [
    "an endless error body",
    (_, response) => {
      response.writeHead(500, { "content-type": "text/plain" });
      endless(response, Buffer.alloc(64 * 1024, "e"));
    },
    () => createClient({ apiBase, maxRetries: 0, maxErrorBodyBytes: 1024 }).completion(hello),
    /maxErrorBodyBytes = 1024/,
  ],
  [
    "a stream event without end",
    (_, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: ");
      endless(response, "x".repeat(16 * 1024));
    },
    async () =>
      drain(
        await createClient({ apiBase, maxEventBytes: 64 * 1024 }).completion({
          ...hello,
          stream: true,
        }),
      ),
    /maxEventBytes/,
  ],
  [
    "a stream answered with JSON",
    (_, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    },
    async () => drain(await createClient({ apiBase }).completion({ ...hello, stream: true })),
    /application\/json instead of text\/event-stream/,
  ],
  [
    "a stream redirected to a sign-in page",
    (request, response) => {
      if (request.url === "/login") {
        response.writeHead(200, { "content-type": "text/html" });
        response.end("<form>Sign in</form>");
      } else {
        response.writeHead(302, { location: "/login" });
        response.end();
      }
    },
    async () => drain(await createClient({ apiBase }).completion({ ...hello, stream: true })),
    /text\/html after a redirect/,
  ],
  [
    "a stream cut before [DONE]",
    (_, response) => sse(response, chunk),
    async () => drain(await createClient({ apiBase }).completion({ ...hello, stream: true })),
    /ended before \[DONE\]/,
  ],
  [
    "data: null",
    (_, response) => sse(response, `${chunk}data: null\n\ndata: [DONE]\n\n`),
    async () => drain(await createClient({ apiBase }).completion({ ...hello, stream: true })),
    /not a chunk object/,
  ],
  [
    '{"error": null} mid-stream',
    (_, response) => sse(response, `${chunk}data: {"error": null}\n\ndata: [DONE]\n\n`),
    async () => drain(await createClient({ apiBase }).completion({ ...hello, stream: true })),
    /error mid-stream/,
  ],
  [
    "an error event",
    (_, response) =>
      sse(response, `${chunk}event: error\ndata: {"message":"overloaded"}\n\ndata: [DONE]\n\n`),
    async () => drain(await createClient({ apiBase }).completion({ ...hello, stream: true })),
    /error mid-stream: overloaded/,
  ],
  [
    "a reset mid-stream",
    (_, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(chunk, () => setTimeout(() => response.socket?.resetAndDestroy(), 20));
    },
    async () => drain(await createClient({ apiBase }).completion({ ...hello, stream: true })),
    /broke mid-stream/,
  ],
  [
    "a header value with CR/LF",
    (_, response) => response.end("{}"), // never reached: nothing may be sent
    () =>
      createClient({ apiBase, maxRetries: 2 }).embedding(
        { model: "e", input: "x" },
        { headers: { "x-team": "blue\r\nx-admin: true" } },
      ),
    /"headers"/,
  ],
];

describe("hostile inputs, part two", () => {
  it.each(cases)(
    "%s: a typed error that says what happened",
    async (_, handler, call, expected) => {
      handle = handler;
      figures.cases++;
      const sentBefore = requests;
      const error = await call().then(
        () => new Error("the call succeeded"),
        (caught: unknown) => caught,
      );
      if (ProxyAuthError.isInstance(error)) figures.typedErrors++;
      else figures.rawErrors++;
      expect(ProxyAuthError.isInstance(error), String(error)).toBe(true);
      expect((error as Error).message).toMatch(expected);
      if (ConfigurationError.isInstance(error)) expect(requests).toBe(sentBefore);
    },
  );

  it("headers given as a Headers object reach the proxy", async () => {
    figures.cases++;
    let seen: string | undefined;
    handle = (request, response) => {
      seen = request.headers["x-team"] as string | undefined;
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"object":"list","model":"e","data":[]}');
    };
    await createClient({ apiBase, headers: new Headers({ "x-team": "blue" }) }).embedding({
      model: "e",
      input: "x",
    });
    expect(seen).toBe("blue");
  });
});

/** The `exp` of a JWT access token: its real expiry, by the identity provider's clock. */
const realExpiry = (jwt: string) =>
  (JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as { exp: number }).exp;

function fleetHandler(offsetMs: number, cacheKey: string, extra: { cacheWaitMs?: number } = {}) {
  const real = new GenericOAuth2Credential({
    clientId: DEFAULT_CLIENT.clientId,
    clientSecret: DEFAULT_CLIENT.clientSecret,
    tokenUrl: idp.tokenUrl,
  });
  // One connection serves every simulated process (the cache holds no clock); generous
  // timeouts, so a loaded CI box does not turn "Redis is slow" into a process of its own.
  if (caches.length === 0) {
    caches.push(
      createRedisTokenCache({
        url: redis.url,
        encryptionKey: "reliability-fleet-key-0123",
        commandTimeoutMs: 2_000,
      }),
    );
  }
  const cache = caches[0];
  return new ProxyAuthHandler({
    // This process's clock is off: its credential computes expiresOn from expires_in with it.
    credential: {
      getToken: async (scope, options): Promise<AccessToken> => {
        const issued = await real.getToken(scope, options);
        return { ...issued, expiresOn: issued.expiresOn + offsetMs / 1000 };
      },
    },
    scope: "litellm_proxy_api",
    cache,
    cacheKey,
    cacheTimeoutMs: 3_000,
    now: () => Date.now() + offsetMs,
    logger: { warn: () => {} },
    ...extra,
  });
}

describe("the fleet sharing Redis", () => {
  it("clocks ±2 minutes and ±1 day apart: no process would serve a token past its real expiry", async () => {
    const offsets = [0, 120_000, -120_000, 86_400_000, -86_400_000];
    for (const [round, writerOffset] of offsets.entries()) {
      figures.cases++;
      const key = `skew-round-${round}`;
      const written = await fleetHandler(writerOffset, key).getToken();
      // The writer's own kind first: later readers may publish tokens of their own.
      for (const readerOffset of [writerOffset, ...offsets.filter((o) => o !== writerOffset)]) {
        // A new process reading what the writer published (or, if that looks expired to it,
        // getting its own).
        const { token, expiresOn } = await fleetHandler(readerOffset, key).getToken();
        // Until when this process would serve it, in real time (its clock minus its offset).
        const servedUntilMs = expiresOn * 1000 - readerOffset;
        if (servedUntilMs > realExpiry(token) * 1000 + 1_000) figures.staleTokensServed++;
        if (readerOffset === writerOffset) expect(token).toBe(written.token);
      }
    }
    expect(figures.staleTokensServed).toBe(0);
  });

  it("a provider slower than cacheWaitMs: 8 processes wait for the one refresher, one grant", async () => {
    figures.cases++;
    const fleet = Array.from({ length: 8 }, () =>
      fleetHandler(0, "slow-provider", { cacheWaitMs: 200 }),
    );
    const before = idp.tokensIssued;
    idp.latencyMs = 1_500; // seven times cacheWaitMs
    try {
      const tokens = await Promise.all(fleet.map((handler) => handler.getToken()));
      expect(new Set(tokens.map((token) => token.token)).size).toBe(1);
    } finally {
      idp.latencyMs = 0;
    }
    figures.slowGrants = idp.tokensIssued - before;
    expect(figures.slowGrants).toBe(1);
  });

  it("the README's table of these cases agrees with the results", () => {
    expect(figures.rawErrors).toBe(0);
    writeFileSync(
      new URL("../hostile-inputs/RESULTS-part-two.md", import.meta.url),
      `# Hostile inputs, part two: results\n\nWritten by \`tests/reliability/test/hostile-proxy-and-fleet.test.ts\` on every \`pnpm test\`.\n\n\`\`\`json\n${JSON.stringify(figures, null, 2)}\n\`\`\`\n`,
    );
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8").replace(
      / {2,}/g,
      " ",
    );
    const quoted = `| ${figures.cases} | ${figures.typedErrors} | ${figures.rawErrors} | ${figures.staleTokensServed} | ${figures.slowGrants} of 8 processes |`;
    expect(readme, "update the README's table of hostile inputs, part two").toContain(quoted);
  });
});
