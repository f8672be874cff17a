import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { createApiKeyProvider, createClient, ProxyRequestError } from "@proxy-auth/client";
import {
  type AccessToken,
  ConfigurationError,
  createMemoryTokenCache,
  InvalidTokenError,
  ProxyAuthHandler,
  type ProxyAuthHandlerOptions,
  TokenAcquisitionError,
} from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  type IdentityProvider,
  type MockProxy,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The hostile-inputs section: the packages attacked through their public API only, by a hostile
// identity provider, proxy, credential and caller (issue #11, and what a reviewer would try next).

const SENTINEL_SECRET = "SENTINEL-hostile-reliability-9e2b";
const CLIENT = { clientId: "hostile-reliability", clientSecret: SENTINEL_SECRET };

/** Everything printed, thrown or logged: searched for the secret and every token at the end. */
const captured: string[] = [];
const issuedTokens = new Set<string>();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const rows: string[][] = [];
let attacks = 0;

let idp: IdentityProvider;
let proxy: MockProxy;
let hostile: Server;
let hostileUrl: string;
let answer: (request: IncomingMessage, response: ServerResponse) => void;

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  idp = await startIdentityProvider({
    clients: [{ ...CLIENT, authMethod: "client_secret_post" }],
  });
  proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
  });
  hostile = createServer((request, response) => answer(request, response));
  await new Promise<void>((resolve) => hostile.listen(0, "127.0.0.1", resolve));
  hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
});

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  hostile.closeAllConnections();
  await new Promise((resolve) => hostile.close(resolve));
  await proxy.close();
  await idp.close();
});

const logger = {
  debug: (message: string, meta?: unknown) => captured.push(message, JSON.stringify(meta)),
  warn: (message: string, meta?: unknown) => captured.push(message, JSON.stringify(meta)),
  error: (message: string, meta?: unknown) => captured.push(message, JSON.stringify(meta)),
};

function credential(overrides: Record<string, unknown> = {}) {
  return new GenericOAuth2Credential({ ...CLIENT, tokenUrl: idp.tokenUrl, ...overrides });
}

function handler(options: Partial<ProxyAuthHandlerOptions> = {}) {
  return new ProxyAuthHandler({
    credential: credential(),
    scope: "litellm_proxy_api",
    logger,
    _internal: { sleep: async () => {} },
    ...options,
  });
}

/** What a user could see of an outcome: kept for the secret search. */
function capture(value: unknown): unknown {
  captured.push(String(value), inspect(value, { depth: 10, showHidden: true }));
  try {
    captured.push(JSON.stringify(value));
  } catch {}
  const body = (value as { body?: unknown } | null)?.body;
  if (body !== undefined) captured.push(JSON.stringify(body), String(body));
  return value;
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(capture, (error: unknown) => capture(error));

function attack(name: string, held: string) {
  attacks++;
  rows.push([name, held]);
}

const providerCalls = () => idp.tokenRequests.length;

describe("hostile inputs", () => {
  it("the provider says refreshAfter = the past on every token: one call per 30 s, not per request", async () => {
    let time = Date.now();
    const inner = credential();
    const h = handler({
      now: () => time,
      credential: {
        getToken: async (scope: string) => ({
          ...(await inner.getToken(scope)),
          refreshAfter: time / 1000 - 60,
        }),
      },
    });
    const before = providerCalls();
    for (let request = 0; request < 200; request++) {
      await h.getAuthHeaders();
      time += 5; // one second of traffic
    }
    // Real time (integration): lets a wrongly started background refresh reach the real provider
    // over loopback before counting calls; the test asserts that none happens.
    await new Promise((resolve) => setTimeout(resolve, 50));
    issuedTokens.add((await h.getToken()).token);
    expect(providerCalls() - before).toBe(1);
    attack(
      "`refreshAfter` in the past on every token",
      "1 provider call in 1 s of traffic (200 requests)",
    );
  });

  it("a 429 with Retry-After: 3600 during a background refresh keeps the handler out for at most 60 s", async () => {
    let time = Date.now();
    const h = handler({ now: () => time, credential: credential({ now: () => time }) });
    issuedTokens.add((await h.getToken()).token);
    idp.injectFault({ kind: "status", status: 429, retryAfter: 3600 });
    time += (3600 - 30) * 1000; // inside the refresh buffer: one background refresh, refused
    const linesBefore = captured.length;
    await h.getAuthHeaders();
    // The background refresh has failed once its failure is logged (no wall-clock wait).
    await vi.waitFor(() => expect(captured.slice(linesBefore).join("\n")).toMatch(/429/), {
      timeout: 10_000,
    });
    time += 61_000; // the token has expired; the provider is healthy again
    const headers = await h.getAuthHeaders();
    expect(headers.Authorization).toMatch(/^Bearer eyJ/);
    issuedTokens.add((await h.getToken()).token);
    attack(
      "`Retry-After: 3600` on a background refresh",
      "a new token 61 s later, once the cached one expired",
    );
  });

  it("a 400-digit Retry-After is ignored, not Infinity", async () => {
    let time = Date.now();
    const h = handler({ now: () => time, retry: { attempts: 1 } });
    idp.injectFault({ kind: "status", status: 503, retryAfter: "9".repeat(400) });
    const first = await outcome(h.getToken());
    expect(TokenAcquisitionError.isInstance(first)).toBe(true);
    // With no token, the next probe comes about a second later (0.75–1.25 s, jittered): the
    // 400 digits did not become an endless wait.
    time += 1_300;
    expect(await h.getToken()).toMatchObject({ token: expect.stringMatching(/^eyJ/) });
    issuedTokens.add((await h.getToken()).token);
    attack("`Retry-After` of 400 digits", "ignored; the next probe about 1 s later gets a token");
  });

  it("error_description and the OAuth error code echo the client secret", async () => {
    const body = JSON.stringify({
      error: "invalid_client",
      error_description: `secret ${SENTINEL_SECRET} / ${encodeURIComponent(SENTINEL_SECRET)} rejected`,
    });
    idp.injectFault({ kind: "status", status: 401, body }, 2);
    const direct = await outcome(credential().getToken("litellm_proxy_api"));
    const through = await outcome(handler({ retry: { attempts: 1 } }).getAuthHeaders());
    expect(direct).toMatchObject({ status: 401, oauthError: "invalid_client" });
    expect(through).toEqual({});
    idp.injectFault({
      kind: "status",
      status: 400,
      body: JSON.stringify({ error: SENTINEL_SECRET }),
    });
    await outcome(credential().getToken("litellm_proxy_api"));
    attack(
      "`error_description` / `error` echo the client secret",
      "`[redacted]`; status and OAuth code kept",
    );
  });

  it("a WWW-Authenticate challenge echoes the Basic credentials", async () => {
    answer = (request, response) => {
      response.writeHead(401, {
        "www-authenticate": `Basic error="invalid_client", error_description="${request.headers.authorization}"`,
      });
      response.end();
    };
    const error = await outcome(
      credential({ tokenUrl: `${hostileUrl}/token`, authMethod: "client_secret_basic" }).getToken(
        "s",
      ),
    );
    expect(error).toMatchObject({ status: 401, oauthError: "invalid_client" });
    expect(captured.join("\n")).not.toContain(btoa(`${CLIENT.clientId}:${SENTINEL_SECRET}`));
    attack("`WWW-Authenticate` echoes the Basic credentials", "`[redacted]`");
  });

  it("a 32 MiB token response is cut off at 1 MiB, not buffered", async () => {
    let written = 0;
    let connectionClosed!: () => void;
    const serverSawClose = new Promise<void>((resolve) => {
      connectionClosed = resolve;
    });
    answer = (_request, response) => {
      let closed = false;
      response.on("close", () => {
        closed = true;
        connectionClosed();
      });
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"access_token":"x","token_type":"bearer","pad":"');
      const chunk = " ".repeat(1 << 20);
      const pump = () => {
        while (!closed && written < 32 << 20) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once("drain", pump);
        }
        if (!closed) response.end('"}');
      };
      pump();
    };
    const error = await outcome(credential({ tokenUrl: `${hostileUrl}/token` }).getToken("s"));
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toMatch(/maxResponseBytes/);
    await serverSawClose; // the client hung up: no more is written
    expect(written).toBeLessThan(16 << 20);
    attack(
      "a 32 MiB token response",
      `non-retryable error; ${Math.round(written / 2 ** 20)} MiB sent before the connection closed`,
    );
  });

  it("the token endpoint redirects elsewhere: the secret does not follow", async () => {
    let followed = 0;
    const elsewhere = createServer((_request, response) => {
      followed++;
      response.end();
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/steal`;
    answer = (_request, response) => {
      response.writeHead(307, { location: target });
      response.end();
    };
    const error = await outcome(credential({ tokenUrl: `${hostileUrl}/token` }).getToken("s"));
    await new Promise((resolve) => elsewhere.close(resolve));
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect(followed).toBe(0);
    attack("the token endpoint answers 307 to another host", "not followed; the secret stays home");
  });

  it("the provider issues a token with CR/LF, or one already expired", async () => {
    for (const fields of [{ access_token: "abc\r\nX-Injected: 1" }, { expires_in: -60 }]) {
      idp.injectFault({ kind: "set", fields });
      const error = await outcome(handler({ retry: { attempts: 1 } }).getToken());
      expect(InvalidTokenError.isInstance(error) || TokenAcquisitionError.isInstance(error)).toBe(
        true,
      );
    }
    attack(
      "a token with CR/LF, or `expires_in: -60`",
      "refused (`InvalidTokenError` / `TokenAcquisitionError`); nothing sent",
    );
  });

  it("a hung provider holds the caller for maxTokenWaitMs, not three timeouts", async () => {
    idp.injectFault({ kind: "hang" }, Number.POSITIVE_INFINITY);
    try {
      const h = handler({ maxTokenWaitMs: 300 });
      const error = await outcome(h.getToken());
      expect(TokenAcquisitionError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/300 ms/);
    } finally {
      idp.clearFaults();
    }
    attack(
      "a provider that never answers",
      "the caller fails after `maxTokenWaitMs`, retries included",
    );
  });

  it("a caller mutates the token it was handed", async () => {
    const h = handler();
    const token = (await h.getToken()) as AccessToken;
    issuedTokens.add(token.token);
    expect(() => {
      token.token = "evil\r\nX-Injected: 1";
    }).toThrow(TypeError);
    expect(await createApiKeyProvider(h)()).toBe((await h.getToken()).token);
    attack("a caller mutates the `AccessToken` it got", "frozen: later callers get the original");
  });

  it("a credential whose cacheKey() returns an empty string, with a shared cache", async () => {
    const h = handler({
      credential: {
        getToken: () => credential().getToken("litellm_proxy_api"),
        cacheKey: () => "",
      },
      cache: createMemoryTokenCache(),
    });
    const error = await outcome(h.getToken());
    expect(ConfigurationError.isInstance(error)).toBe(true);
    attack(
      '`cacheKey()` returns `""` with a shared cache',
      "`ConfigurationError` at the first token request",
    );
  });

  it("a token URL on http://*.localhost, and a discovered http token endpoint", async () => {
    const named = await outcome(
      Promise.resolve().then(() => credential({ tokenUrl: "http://idp.localhost:8080/token" })),
    );
    expect(ConfigurationError.isInstance(named)).toBe(true);
    answer = (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ issuer: hostileUrl, token_endpoint: "http://idp.example.com/t" }),
      );
    };
    const discovered = await outcome(
      credential({ tokenUrl: undefined, issuer: hostileUrl }).getToken("s"),
    );
    expect(ConfigurationError.isInstance(discovered)).toBe(true);
    attack(
      "`http://idp.localhost` token URL; discovered `http://` token endpoint",
      "`ConfigurationError`, nothing sent",
    );
  });

  it("the proxy echoes the token in its 401 body", async () => {
    const h = handler();
    const token = (await h.getToken()).token;
    issuedTokens.add(token);
    const body = JSON.stringify({ error: { message: `invalid token Bearer ${token}` } });
    proxy.injectFault({ kind: "status", status: 401, body }, 4);
    const client = createClient({ apiBase: proxy.url, proxyAuth: h, maxRetries: 0 });
    for (const stream of [false, true]) {
      const error = await outcome(
        client.completion({
          model: "gpt-4",
          messages: [{ role: "user", content: "hi" }],
          stream,
        } as never),
      );
      expect(ProxyRequestError.isInstance(error)).toBe(true);
    }
    proxy.clearFaults();
    attack(
      "the proxy echoes the token in a 401 (plain and streamed)",
      "`[redacted]` in message and body",
    );
  });

  it("a proxy that rejects every token (wrong audience)", async () => {
    const strict = await startMockProxy({
      jwksUrl: idp.jwksUrl,
      issuer: idp.issuer,
      audience: "https://another-proxy.example.com",
    });
    try {
      const client = createClient({ apiBase: strict.url, proxyAuth: handler(), maxRetries: 0 });
      const before = idp.tokensIssued;
      let last: unknown;
      for (let call = 0; call < 20; call++) {
        last = await outcome(
          client.completion({ model: "gpt-4", messages: [{ role: "user", content: "hi" }] }),
        );
      }
      for (const request of strict.requests) if (request.token) issuedTokens.add(request.token);
      expect(idp.tokensIssued - before).toBe(2);
      expect((last as Error).message).toMatch(/rejects freshly issued tokens/);
    } finally {
      await strict.close();
    }
    attack(
      "a proxy that rejects every token",
      "20 calls cost 2 grants; the error names scope/audience",
    );
  });

  it("across the section: no secret or token in any output, no unhandled rejection", async () => {
    // Real time (integration): background requests to the real servers finish before the scan.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const request of proxy.requests) if (request.token) issuedTokens.add(request.token);
    const text = captured.join("\n");
    const secrets = [SENTINEL_SECRET, ...issuedTokens];
    const secretsFound = secrets.filter((secret) => text.includes(secret)).length;
    expect(issuedTokens.size).toBeGreaterThan(0);
    expect(secretsFound).toBe(0);
    expect(unhandled).toEqual([]);
    const summary = {
      attacks,
      secretsSearched: secrets.length,
      secretsFound,
      unhandledRejections: unhandled.length,
    };
    writeFileSync(
      new URL("../hostile-inputs/RESULTS.md", import.meta.url),
      `# Hostile inputs\n\nWritten by \`tests/reliability/test/hostile-inputs.test.ts\` on every \`pnpm test\`.\n\n\`\`\`json\n${JSON.stringify(summary, null, 2)}\n\`\`\`\n\n| attack | what held |\n| --- | --- |\n${rows.map((row) => `| ${row.join(" | ")} |`).join("\n")}\n`,
    );
    // The README's hostile-inputs table quotes these figures: they must agree.
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8").replace(
      / {2,}/g,
      " ",
    );
    const quoted = `| ${summary.attacks} | ${summary.secretsFound} of ${summary.secretsSearched} | ${summary.unhandledRejections} |`;
    expect(readme, "update the README's hostile-inputs table").toContain(quoted);
  });
});
