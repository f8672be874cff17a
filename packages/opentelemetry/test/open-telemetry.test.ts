import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { createClient } from "@proxy-auth/client";
import {
  createMemoryTokenCache,
  ProxyAuthHandler,
  type ProxyAuthHandlerOptions,
  type TokenCredential,
} from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type MockProxy,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOpenTelemetryListener, instrumentHandler } from "../src/index.js";
import { durationMs, startTelemetry, TestClock } from "./fixtures.js";

const SCOPE = "litellm_proxy_api";
/** The identity provider's latency, played on the injected clock. */
const GRANT_MS = 120;

let idp: IdentityProvider;
let proxy: MockProxy;
let telemetry: ReturnType<typeof startTelemetry>;
let clock: TestClock;

beforeAll(async () => {
  idp = await startIdentityProvider();
  proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
    requiredScope: SCOPE,
  });
});
afterAll(async () => {
  await proxy.close();
  await idp.close();
});
beforeEach(() => {
  telemetry = startTelemetry();
  clock = new TestClock();
  idp.clearFaults();
  proxy.clearFaults();
  proxy.resetRecords();
});
afterEach(() => telemetry.shutdown());

/** The real oauth2 credential against the real identity provider; each grant takes GRANT_MS on the clock. */
function credential(): TokenCredential {
  const oauth = new GenericOAuth2Credential({
    clientId: DEFAULT_CLIENT.clientId,
    clientSecret: DEFAULT_CLIENT.clientSecret,
    tokenUrl: idp.tokenUrl,
    now: clock.now,
  });
  return {
    async getToken(scope, options) {
      try {
        return await oauth.getToken(scope, options);
      } finally {
        clock.advance(GRANT_MS);
      }
    },
  };
}

function instrumented(options: Partial<ProxyAuthHandlerOptions> = {}): ProxyAuthHandler {
  const handler = new ProxyAuthHandler({
    credential: credential(),
    scope: SCOPE,
    now: clock.now,
    logger: { warn: () => {} },
    _internal: { random: () => 0.5, sleep: async (milliseconds) => clock.advance(milliseconds) },
    ...options,
  });
  return instrumentHandler(handler, {
    tracer: telemetry.tracer,
    meter: telemetry.meter,
    now: clock.now,
  });
}

/**
 * Lets the background refresh (a real HTTP request to the test provider) finish: real time,
 * since the wait is on a real socket; polls every 5 ms for at most 1 s.
 */
async function settle(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

const acquiredSpan = (expiresOn: number, source = "credential", attempt = 1) => ({
  name: "proxy_auth.acquire_token",
  kind: SpanKind.INTERNAL,
  attributes: {
    "proxy_auth.scope": SCOPE,
    "proxy_auth.outcome": "acquired",
    "proxy_auth.token.source": source,
    "proxy_auth.attempt": attempt,
    "proxy_auth.token.expires_on": expiresOn,
  },
  status: { code: SpanStatusCode.UNSET },
});

const spanShape = () =>
  telemetry.spans().map((span) => ({
    name: span.name,
    kind: span.kind,
    attributes: span.attributes,
    status: span.status,
  }));

describe("token acquisition: spans and metrics from the real SDK", () => {
  it("cold start: one acquire span lasting the grant, one grant counted, the lifetime gauge", async () => {
    const handler = instrumented();
    const token = await handler.getToken();
    for (let i = 0; i < 5; i++) await handler.getAuthHeaders(); // cached: nothing recorded
    clock.advance(1000);
    expect(spanShape()).toEqual([acquiredSpan(token.expiresOn)]);
    expect(durationMs(telemetry.spans()[0] as never)).toBeCloseTo(GRANT_MS, 3);
    const grant = {
      "proxy_auth.scope": SCOPE,
      "proxy_auth.outcome": "acquired",
      "proxy_auth.token.source": "credential",
    };
    expect(await telemetry.metrics()).toEqual({
      "proxy_auth.token.acquisitions": [{ attributes: grant, value: 1 }],
      "proxy_auth.token.acquisition.duration": [
        { attributes: grant, value: { count: 1, sum: GRANT_MS / 1000 } },
      ],
      "proxy_auth.token.remaining_lifetime": [
        { attributes: { "proxy_auth.scope": SCOPE }, value: token.expiresOn - clock.time / 1000 },
      ],
    });
  });

  it("background refresh: a second acquire span while the first token is served; the gauge follows the new token", async () => {
    const handler = instrumented();
    const first = await handler.getToken();
    clock.advance(3_550_000); // inside the refresh buffer
    expect((await handler.getToken()).token).toBe(first.token); // served at once
    await settle(() => telemetry.spans().length === 2);
    const second = await handler.getToken();
    expect(second.token).not.toBe(first.token);
    expect(spanShape()).toEqual([acquiredSpan(first.expiresOn), acquiredSpan(second.expiresOn)]);
    const metrics = await telemetry.metrics();
    expect(metrics["proxy_auth.token.acquisitions"]).toEqual([
      { attributes: expect.objectContaining({ "proxy_auth.outcome": "acquired" }), value: 2 },
    ]);
    expect(metrics["proxy_auth.token.remaining_lifetime"]).toEqual([
      { attributes: { "proxy_auth.scope": SCOPE }, value: second.expiresOn - clock.time / 1000 },
    ]);
  });

  it("refresh failure while a token is served: a failed span with the code, status and serving_cached", async () => {
    const handler = instrumented();
    const first = await handler.getToken();
    clock.advance(3_550_000);
    idp.injectFault({ kind: "status", status: 503 });
    expect((await handler.getToken()).token).toBe(first.token);
    await settle(() => telemetry.spans().length === 2);
    expect(spanShape()[1]).toEqual({
      name: "proxy_auth.acquire_token",
      kind: SpanKind.INTERNAL,
      attributes: {
        "proxy_auth.scope": SCOPE,
        "proxy_auth.outcome": "failed",
        "error.type": "TOKEN_ACQUISITION_FAILED",
        "proxy_auth.serving_cached": true,
        "proxy_auth.attempt": 1,
        "proxy_auth.error.retryable": true,
        "http.response.status_code": 503,
      },
      status: { code: SpanStatusCode.ERROR, message: "TOKEN_ACQUISITION_FAILED" },
    });
    expect(durationMs(telemetry.spans()[1] as never)).toBeCloseTo(GRANT_MS, 3);
    const failure = {
      "proxy_auth.scope": SCOPE,
      "proxy_auth.outcome": "failed",
      "error.type": "TOKEN_ACQUISITION_FAILED",
      "proxy_auth.serving_cached": true,
    };
    const metrics = await telemetry.metrics();
    expect(metrics["proxy_auth.token.acquisitions"]).toEqual([
      { attributes: expect.objectContaining({ "proxy_auth.outcome": "acquired" }), value: 1 },
      { attributes: failure, value: 1 },
    ]);
    // The served token is still the first one, 50 s from expiry.
    expect(metrics["proxy_auth.token.remaining_lifetime"]).toEqual([
      { attributes: { "proxy_auth.scope": SCOPE }, value: first.expiresOn - clock.time / 1000 },
    ]);
  });

  it("invalidation: counted, and the lifetime gauge has no token to report until the next grant", async () => {
    const handler = instrumented();
    const token = await handler.getToken();
    handler.invalidate(token.token);
    const metrics = await telemetry.metrics();
    expect(metrics["proxy_auth.token.invalidations"]).toEqual([
      { attributes: { "proxy_auth.scope": SCOPE }, value: 1 },
    ]);
    expect(metrics["proxy_auth.token.remaining_lifetime"] ?? []).toEqual([]);
  });

  it("shared-cache hit: the second handler's span says shared-cache and no grant was asked for", async () => {
    const cache = createMemoryTokenCache(clock.now);
    const first = instrumented({ cache, cacheKey: "team" });
    const second = instrumented({ cache, cacheKey: "team" });
    const token = await first.getToken();
    const issued = idp.tokensIssued;
    expect((await second.getToken()).token).toBe(token.token);
    expect(idp.tokensIssued).toBe(issued);
    expect(spanShape()).toEqual([
      acquiredSpan(token.expiresOn),
      acquiredSpan(token.expiresOn, "shared-cache"),
    ]);
    expect((await telemetry.metrics())["proxy_auth.token.acquisitions"]).toEqual([
      {
        attributes: {
          "proxy_auth.scope": SCOPE,
          "proxy_auth.outcome": "acquired",
          "proxy_auth.token.source": "credential",
        },
        value: 1,
      },
      {
        attributes: {
          "proxy_auth.scope": SCOPE,
          "proxy_auth.outcome": "acquired",
          "proxy_auth.token.source": "shared-cache",
        },
        value: 1,
      },
    ]);
  });
});

describe("client calls: GenAI client spans and request metrics", () => {
  it("401 replay: the chat span carries the resend count; replay and invalidation are counted", async () => {
    const handler = instrumented();
    const client = createClient({ apiBase: proxy.url, proxyAuth: handler, now: clock.now });
    await client.completion({ model: "gpt-4", messages: [{ role: "user", content: "Hi" }] });
    proxy.revoke(proxy.requests.at(-1)?.token as string);
    await client.completion({ model: "gpt-4", messages: [{ role: "user", content: "Hi" }] });
    const port = Number(new URL(proxy.url).port);
    const chat = (resends: number) => ({
      name: "chat gpt-4",
      kind: SpanKind.CLIENT,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4",
        "server.address": "127.0.0.1",
        "server.port": port,
        "proxy_auth.scope": SCOPE,
        "proxy_auth.request.stream": false,
        "http.response.status_code": 200,
        ...(resends > 0 ? { "http.request.resend_count": resends } : {}),
      },
      status: { code: SpanStatusCode.UNSET },
    });
    const spans = spanShape();
    expect(spans.map((span) => span.name)).toEqual([
      "proxy_auth.acquire_token",
      "chat gpt-4",
      "proxy_auth.acquire_token",
      "chat gpt-4",
    ]);
    expect(spans[1]).toEqual(chat(0));
    expect(spans[3]).toEqual(chat(1));
    // The replay's span covers both sends and the new grant.
    expect(durationMs(telemetry.spans()[3] as never)).toBeCloseTo(GRANT_MS, 3);
    const metrics = await telemetry.metrics();
    expect(metrics["proxy_auth.request.replays"]).toEqual([
      { attributes: { "proxy_auth.scope": SCOPE, "gen_ai.operation.name": "chat" }, value: 1 },
    ]);
    expect(metrics["proxy_auth.token.invalidations"]).toEqual([
      { attributes: { "proxy_auth.scope": SCOPE }, value: 1 },
    ]);
    expect(metrics["gen_ai.client.operation.duration"]).toEqual([
      {
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.request.model": "gpt-4",
          "server.address": "127.0.0.1",
          "server.port": port,
        },
        // Each call waited for one grant: the cold start, then the replay's new token.
        value: { count: 2, sum: (2 * GRANT_MS) / 1000 },
      },
    ]);
  });

  it("a failed call: error status, error.type from the HTTP status, retries and the fallback counted", async () => {
    idp.injectFault(
      { kind: "status", status: 400, body: '{"error":"invalid_client"}' },
      Number.POSITIVE_INFINITY,
    );
    const handler = instrumented();
    const client = createClient({
      apiBase: proxy.url,
      proxyAuth: handler,
      apiKey: "sk-static",
      now: clock.now,
      _internal: { sleep: async () => {} },
    });
    proxy.injectFault({ kind: "status", status: 503 }, 3);
    await client.embedding({ model: "text-embedding-3-small", input: ["Hi"] }).catch(() => {});
    const call = spanShape().find((span) => span.name === "embeddings text-embedding-3-small");
    expect(call?.status).toEqual({ code: SpanStatusCode.ERROR, message: "503" });
    expect(call?.attributes).toMatchObject({
      "error.type": "503",
      "http.response.status_code": 503,
      "http.request.resend_count": 2,
    });
    const metrics = await telemetry.metrics();
    expect(metrics["proxy_auth.request.retries"]).toEqual([
      {
        attributes: {
          "proxy_auth.scope": SCOPE,
          "gen_ai.operation.name": "embeddings",
          "http.response.status_code": 503,
        },
        value: 2,
      },
    ]);
    expect(metrics["proxy_auth.request.fallbacks"]).toEqual([
      {
        attributes: {
          "proxy_auth.scope": SCOPE,
          "gen_ai.operation.name": "embeddings",
          "proxy_auth.fallback": "api-key",
          "error.type": "TOKEN_ACQUISITION_FAILED",
        },
        value: 3,
      },
    ]);
  });
});

describe("nothing exported carries a secret", () => {
  it("no token, client secret, static key or prompt in any span or metric", async () => {
    const handler = instrumented();
    const client = createClient({
      apiBase: proxy.url,
      proxyAuth: handler,
      apiKey: "sk-STATIC-SENTINEL",
    });
    const prompt = "PROMPT-SENTINEL-31337";
    const request = { model: "gpt-4", messages: [{ role: "user" as const, content: prompt }] };
    await client.completion(request);
    const firstToken = proxy.requests.at(-1)?.token as string;
    proxy.revoke(firstToken);
    await client.completion(request);
    await (await client.completion({ ...request, stream: true }))[Symbol.asyncIterator]().next();
    clock.advance(3_550_000);
    idp.injectFault({ kind: "status", status: 503 });
    await handler.getToken();
    await settle(() => telemetry.spans().some((span) => span.status.code === SpanStatusCode.ERROR));
    const text = await telemetry.exportedText();
    const tokens = [...new Set(proxy.requests.map((each) => each.token as string))];
    expect(tokens.length).toBe(2);
    for (const sentinel of [
      ...tokens,
      ...tokens.map((token) => token.split(".")[2] as string), // a signature on its own
      DEFAULT_CLIENT.clientSecret,
      "sk-STATIC-SENTINEL",
      prompt,
      "Echo",
    ]) {
      expect(text).not.toContain(sentinel);
    }
  });
});

describe("configuration", () => {
  it("works without an SDK (the API's no-op tracer and meter)", async () => {
    const handler = new ProxyAuthHandler({
      credential: credential(),
      scope: SCOPE,
      onEvent: createOpenTelemetryListener(),
    });
    expect((await handler.getToken()).token).toMatch(/^eyJ/);
  });

  it("rejects what is not a handler, tracer, meter or clock", () => {
    expect(() => instrumentHandler({} as never)).toThrow(/ProxyAuthHandler/);
    expect(() => createOpenTelemetryListener({ tracer: {} as never })).toThrow(/"tracer"/);
    expect(() => createOpenTelemetryListener({ meter: {} as never })).toThrow(/"meter"/);
    expect(() => createOpenTelemetryListener({ now: 5 as never })).toThrow(/"now"/);
  });
});
