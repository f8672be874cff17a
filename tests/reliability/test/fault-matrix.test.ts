import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { createClient, ProxyRequestError } from "@proxy-auth/client";
import { ProxyAuthHandler, TokenAcquisitionError } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  type Fault,
  type IdentityProvider,
  type MockProxy,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SENTINEL_SECRET = "SENTINEL-reliability-secret-4d1c";
const CLIENT = {
  clientId: "reliability-client",
  clientSecret: SENTINEL_SECRET,
  authMethod: "client_secret_post" as const,
};

/** Everything the matrix printed, threw or logged: searched for secrets at the end. */
const captured: string[] = [];
const issuedTokens = new Set<string>();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const figures = {
  scenarios: 0,
  requests: 0,
  rejectedWithValidToken: 0,
  sentWithoutToken: 0,
  providerCalls: 0,
};
const rows: string[][] = [];

let idp: IdentityProvider;
let proxy: MockProxy;
let refusedUrl: string;

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  idp = await startIdentityProvider({ clients: [CLIENT] });
  proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
  });
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/token`;
  await new Promise((resolve) => closed.close(resolve));
});

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await proxy.close();
  await idp.close();
});

/** A clock the test moves: real time plus an offset (the credential stamps tokens with real time). */
function testClock() {
  let offset = 0;
  return { now: () => Date.now() + offset, jump: (seconds: number) => (offset += seconds * 1000) };
}

function setup(options: { tokenUrl?: () => string; onTokenError?: "warn" | "throw" } = {}) {
  const clock = testClock();
  const logger = {
    debug: (message: string, meta?: unknown) => captured.push(message, JSON.stringify(meta)),
    warn: (message: string, meta?: unknown) => captured.push(message, JSON.stringify(meta)),
    error: (message: string, meta?: unknown) => captured.push(message, JSON.stringify(meta)),
  };
  const credentials = new Map<string, GenericOAuth2Credential>();
  const credentialFor = (tokenUrl: string) => {
    let credential = credentials.get(tokenUrl);
    if (credential === undefined) {
      credential = new GenericOAuth2Credential({
        clientId: CLIENT.clientId,
        clientSecret: SENTINEL_SECRET,
        tokenUrl,
        timeoutMs: 300,
        now: clock.now, // one clock for both, as on a real machine whose clock jumps
      });
      credentials.set(tokenUrl, credential);
      captured.push(inspect(credential, { showHidden: true }), JSON.stringify(credential));
    }
    return credential;
  };
  // The token endpoint can change under the handler (the refused-connection scenario).
  const credential = {
    getToken: (scope: string, getOptions?: { signal?: AbortSignal }) =>
      credentialFor(options.tokenUrl?.() ?? idp.tokenUrl).getToken(scope, getOptions),
  };
  const handler = new ProxyAuthHandler({
    credential,
    scope: "litellm_proxy_api",
    now: clock.now,
    logger,
    onTokenError: options.onTokenError ?? "warn",
    // Retries without real waiting, and backoff windows long enough that "fails fast" is
    // deterministic on a loaded machine: the jitter draws its largest value.
    _internal: { sleep: async () => {}, random: () => 0.999 },
    retry: { baseDelayMs: 5_000, maxBlockingDelayMs: 60_000 },
  });
  const client = createClient({ apiBase: proxy.url, proxyAuth: handler, maxRetries: 0 });
  captured.push(inspect(handler, { depth: 5 }), JSON.stringify(handler));
  return { clock, handler, client };
}

const providerCalls = () => idp.tokenRequests.length;

async function send(client: ReturnType<typeof createClient>) {
  const before = proxy.requests.length;
  try {
    const response = await client.completion({
      model: "gpt-4",
      messages: [{ role: "user", content: "ping" }],
    });
    return { outcome: `200 "${response.choices[0]?.message.content}"`, error: undefined };
  } catch (error) {
    captured.push(String(error), inspect(error, { depth: 10 }), JSON.stringify(error));
    const status = ProxyRequestError.isInstance(error) ? error.status : undefined;
    return {
      outcome: `${(error as Error).name}${status === undefined ? "" : ` ${status}`}`,
      error,
    };
  } finally {
    const sent = proxy.requests.slice(before);
    figures.requests += sent.length;
    for (const request of sent) {
      if (request.token !== undefined) issuedTokens.add(request.token);
      if (request.token === undefined) figures.sentWithoutToken++;
      else if (request.status === 401 || request.status === 403) figures.rejectedWithValidToken++;
    }
  }
}

interface Scenario {
  name: string;
  fault?: Fault;
  /** Point the credential at a port that refuses connections, instead of injecting a fault. */
  refuse?: boolean;
  /** Provider attempts when no token exists: 3 for transient failures (1 try + 2 retries), 1 otherwise. */
  coldAttempts: number;
}

const scenarios: Scenario[] = [
  {
    name: "provider 503 with Retry-After: 1",
    fault: { kind: "status", status: 503, retryAfter: 1 },
    coldAttempts: 3,
  },
  {
    name: "provider 500 with an HTML body",
    fault: { kind: "status", status: 500, body: "<html>down</html>", contentType: "text/html" },
    coldAttempts: 3,
  },
  {
    name: "provider 429 with Retry-After: 1",
    fault: { kind: "status", status: 429, retryAfter: 1 },
    coldAttempts: 3,
  },
  { name: "provider hangs (credential timeout 300 ms)", fault: { kind: "hang" }, coldAttempts: 3 },
  { name: "provider resets the connection", fault: { kind: "reset" }, coldAttempts: 3 },
  { name: "provider refuses connections", refuse: true, coldAttempts: 0 },
  { name: "provider answers 200 with HTML", fault: { kind: "nonJson" }, coldAttempts: 1 },
  {
    name: "provider omits access_token",
    fault: { kind: "omit", fields: ["access_token"] },
    coldAttempts: 1,
  },
  {
    name: "provider sends token_type mac",
    fault: { kind: "set", fields: { token_type: "mac" } },
    coldAttempts: 1,
  },
];

describe("fault matrix", () => {
  it.each(scenarios)("$name", async (scenario) => {
    figures.scenarios++;
    let refusing = false;
    const inject = () => {
      if (scenario.fault) idp.injectFault(scenario.fault, Number.POSITIVE_INFINITY);
      if (scenario.refuse) refusing = true;
    };
    const tokenUrl = () => (refusing ? refusedUrl : idp.tokenUrl);
    try {
      // Cold: no token yet. The caller gets {} headers (warn), the request goes without a token,
      // and the proxy's 401 says why; the provider was asked a bounded number of times.
      inject();
      const cold = setup({ tokenUrl });
      const callsBefore = providerCalls();
      const coldResult = await send(cold.client);
      const coldCalls = providerCalls() - callsBefore;
      expect(ProxyRequestError.isInstance(coldResult.error)).toBe(true);
      expect((coldResult.error as ProxyRequestError).status).toBe(401);
      expect(TokenAcquisitionError.isInstance((coldResult.error as Error).cause)).toBe(true);
      expect(coldCalls).toBe(scenario.coldAttempts);
      // During the backoff window, a second caller fails fast: no new provider call.
      await send(cold.client);
      expect(providerCalls() - callsBefore).toBe(scenario.coldAttempts);
      idp.clearFaults();
      refusing = false;

      // Warm: a valid token is cached and inside its refresh buffer when the fault starts. It keeps
      // being served (never dropped) while one background refresh fails.
      const warm = setup({ tokenUrl });
      const first = await warm.handler.getToken();
      inject();
      warm.clock.jump(3600 - 30); // 30 s left: inside the 60 s buffer, still valid
      const warmCallsBefore = providerCalls();
      const warmResult = await send(warm.client);
      expect(warmResult.outcome).toBe('200 "Echo: ping"');
      const served = await warm.handler.getToken();
      expect(served.token).toBe(first.token);
      // Real time (integration): the background refresh is a real HTTP call to the faulty provider
      // (a hang ends at the credential timeout); its end is waited for, then calls are counted.
      await new Promise((resolve) =>
        setTimeout(resolve, scenario.fault?.kind === "hang" ? 400 : 50),
      );
      const warmCalls = providerCalls() - warmCallsBefore;
      expect(warmCalls).toBe(scenario.refuse ? 0 : 1);
      figures.providerCalls += coldCalls + warmCalls;
      rows.push([
        scenario.name,
        `${coldAttempts(coldCalls)}; then fails fast`,
        `${coldResult.outcome} (sent without token, explained)`,
        `${coldAttempts(warmCalls)} (background)`,
        `${warmResult.outcome} with the cached token`,
      ]);
    } finally {
      idp.clearFaults();
      refusing = false;
    }
  });

  it("clock jumps forward past expiry: one new token, callers wait for it", async () => {
    figures.scenarios++;
    const { clock, handler, client } = setup();
    const first = await handler.getToken();
    clock.jump(7200);
    const before = providerCalls();
    const result = await send(client);
    expect(result.outcome).toBe('200 "Echo: ping"');
    expect((await handler.getToken()).token).not.toBe(first.token);
    expect(providerCalls() - before).toBe(1);
    figures.providerCalls += 1;
    rows.push([
      "clock jumps forward 2 h",
      "—",
      "—",
      "1 (blocking: the token looks expired)",
      `${result.outcome} with a new token`,
    ]);
  });

  it("clock jumps back: the cached token keeps being served, no provider call", async () => {
    figures.scenarios++;
    const { clock, handler, client } = setup();
    const first = await handler.getToken();
    clock.jump(-7200);
    const before = providerCalls();
    const result = await send(client);
    expect(result.outcome).toBe('200 "Echo: ping"');
    expect((await handler.getToken()).token).toBe(first.token);
    expect(providerCalls() - before).toBe(0);
    rows.push(["clock jumps back 2 h", "—", "—", "0", `${result.outcome} with the cached token`]);
  });

  it('"throw" mode: the caller gets the TokenAcquisitionError and nothing is sent', async () => {
    figures.scenarios++;
    idp.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY);
    try {
      const { client } = setup({ onTokenError: "throw" });
      const before = proxy.requests.length;
      const result = await send(client);
      expect(TokenAcquisitionError.isInstance(result.error)).toBe(true);
      expect(proxy.requests.length).toBe(before);
      rows.push([
        'provider 503, onTokenError "throw"',
        "3",
        `${result.outcome}, nothing sent`,
        "—",
        "—",
      ]);
    } finally {
      idp.clearFaults();
    }
  });

  it("across the matrix: no secret or token in any output, no unhandled rejection, no valid token rejected", async () => {
    // Real time (integration): background HTTP work against the real servers settles first.
    await new Promise((resolve) => setTimeout(resolve, 100)); // let background work settle
    const text = captured.join("\n");
    const secretsFound = [SENTINEL_SECRET, ...issuedTokens].filter((secret) =>
      text.includes(secret),
    ).length;
    expect(issuedTokens.size).toBeGreaterThan(0);
    expect(captured.length).toBeGreaterThan(50);
    expect(secretsFound).toBe(0);
    expect(unhandled).toEqual([]);
    expect(figures.rejectedWithValidToken).toBe(0);
    const summary = {
      ...figures,
      secretsSearched: issuedTokens.size + 1,
      secretsFound,
      unhandledRejections: unhandled.length,
    };
    writeFileSync(
      new URL("../RESULTS.md", import.meta.url),
      `# Reliability results\n\nWritten by \`tests/reliability/test/fault-matrix.test.ts\` on every \`pnpm test\`.\n\n\`\`\`json\n${JSON.stringify(summary, null, 2)}\n\`\`\`\n\n| scenario | provider calls, no token | caller sees, no token | provider calls, token cached | caller sees, token cached |\n| --- | --- | --- | --- | --- |\n${rows.map((row) => `| ${row.join(" | ")} |`).join("\n")}\n`,
    );
    // The figures the README's reliability table quotes: they must agree.
    // (Biome pads Markdown tables: compare with runs of spaces folded.)
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8").replace(
      / {2,}/g,
      " ",
    );
    const quoted = `| ${summary.scenarios} | ${summary.requests} | ${summary.rejectedWithValidToken} | ${summary.sentWithoutToken} | ${summary.providerCalls} | ${summary.secretsFound} of ${summary.secretsSearched} | ${summary.unhandledRejections} |`;
    expect(readme, "update the README's reliability table").toContain(quoted);
  });
});

function coldAttempts(calls: number): string {
  return calls === 0 ? "0 (connection refused: no request reached it)" : String(calls);
}
