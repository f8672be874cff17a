import type { ProxyAuthEvent } from "@proxy-auth/core";
import { DEFAULT_CLIENT } from "@proxy-auth/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { createAuthFetch, createClient } from "../src/index.js";
import { hello, useDeployment } from "./fixtures.js";

const deployment = useDeployment();
let events: ProxyAuthEvent[];
beforeEach(() => {
  events = [];
});

/** A clock that moves 7 ms per reading, so durations are exact. */
function steppingClock() {
  let time = 0;
  return () => (time += 7);
}

const record = (event: ProxyAuthEvent) => events.push(event);
const noSleep = { _internal: { sleep: async () => {} } };
const types = () => events.map((event) => event.type);

describe("request events reach the handler's listener", () => {
  it("a call ends with request.finished: operation, model, server, status, duration from the clock", async () => {
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler({ onEvent: record }),
      now: steppingClock(),
    });
    await client.completion(hello);
    await client.embedding({ model: "text-embedding-3-small", input: ["Hi"] });
    const port = Number(new URL(deployment.proxy.url).port);
    expect(types()).toEqual(["token.acquired", "request.finished", "request.finished"]);
    expect(events[1]).toEqual({
      type: "request.finished",
      scope: "litellm_proxy_api",
      operation: "chat",
      model: "gpt-4",
      stream: false,
      serverAddress: "127.0.0.1",
      serverPort: port,
      status: 200,
      resendCount: 0,
      durationMs: 7,
    });
    expect(events[2]).toMatchObject({ operation: "embeddings", model: "text-embedding-3-small" });
  });

  it("a 401 replay: token.invalidated, request.replayed, a new grant, then finished with resendCount 1", async () => {
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler({ onEvent: record }),
    });
    await client.completion(hello);
    deployment.proxy.revoke(deployment.proxy.requests.at(-1)?.token as string);
    events = [];
    await client.completion({ ...hello, stream: true });
    expect(types()).toEqual([
      "token.invalidated",
      "request.replayed",
      "token.acquired",
      "request.finished",
    ]);
    expect(events[1]).toEqual({
      type: "request.replayed",
      scope: "litellm_proxy_api",
      operation: "chat",
    });
    expect(events[3]).toMatchObject({ stream: true, status: 200, resendCount: 1 });
  });

  it("retries: one request.retried per retry with status and delay; a final failure carries status and code", async () => {
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler({ onEvent: record }),
      maxRetries: 1,
      _internal: { random: () => 0.5, sleep: async () => {} },
    });
    deployment.proxy.injectFault({ kind: "status", status: 503 }, 2);
    await client.completion(hello).catch(() => {});
    expect(events.slice(1)).toEqual([
      {
        type: "request.retried",
        scope: "litellm_proxy_api",
        operation: "chat",
        status: 503,
        attempt: 1,
        delayMs: 250,
      },
      expect.objectContaining({
        type: "request.finished",
        status: 503,
        code: "PROXY_REQUEST_FAILED",
        resendCount: 1,
      }),
    ]);
  });

  it("a refused connection: retried without status; finished without status", async () => {
    const client = createClient({
      apiBase: "http://127.0.0.1:9",
      proxyAuth: deployment.handler({ onEvent: record }),
      maxRetries: 1,
      ...noSleep,
    });
    await client.completion(hello).catch(() => {});
    const [retried, finished] = events.slice(1);
    expect(retried).toMatchObject({ type: "request.retried", attempt: 1 });
    expect(retried).not.toHaveProperty("status");
    expect(finished).toMatchObject({ type: "request.finished", code: "PROXY_REQUEST_FAILED" });
    expect(finished).not.toHaveProperty("status");
  });

  it('no token in "warn" mode: request.fallback says api-key or none, with the error code', async () => {
    deployment.idp.injectFault(
      { kind: "status", status: 400, body: '{"error":"invalid_client"}' },
      Number.POSITIVE_INFINITY,
    );
    const handler = deployment.handler({ onEvent: record });
    const withKey = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: handler,
      apiKey: "sk-x",
    });
    const withoutKey = createClient({ apiBase: deployment.proxy.url, proxyAuth: handler });
    await withKey.completion(hello).catch(() => {});
    await withoutKey.completion(hello).catch(() => {});
    const fallbacks = events.filter((event) => event.type === "request.fallback");
    expect(fallbacks).toEqual([
      {
        type: "request.fallback",
        scope: "litellm_proxy_api",
        operation: "chat",
        fallback: "api-key",
        code: "TOKEN_ACQUISITION_FAILED",
      },
      expect.objectContaining({ fallback: "none" }),
    ]);
  });

  it("createAuthFetch reports its 401 replay", async () => {
    const handler = deployment.handler({ onEvent: record });
    const authFetch = createAuthFetch(handler);
    const url = `${deployment.proxy.url}/chat/completions`;
    const init = { method: "POST", body: JSON.stringify(hello) };
    await authFetch(url, init);
    deployment.proxy.revoke(deployment.proxy.requests.at(-1)?.token as string);
    const response = await authFetch(url, init);
    expect(response.status).toBe(200);
    expect(events).toContainEqual({ type: "request.replayed", scope: "litellm_proxy_api" });
  });

  it("createAuthFetch reports a request sent without a token", async () => {
    deployment.idp.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY);
    const handler = deployment.handler({ onEvent: record, retry: { attempts: 1 } });
    const sent = createAuthFetch(handler)(`${deployment.proxy.url}/chat/completions`, {
      method: "POST",
      body: JSON.stringify(hello),
    });
    // The proxy's 401 is explained by the token failure, as completion() explains it.
    await expect(sent).rejects.toMatchObject({
      status: 401,
      cause: { code: "TOKEN_ACQUISITION_FAILED" },
    });
    expect(events.filter((event) => event.type === "request.fallback")).toEqual([
      {
        type: "request.fallback",
        scope: "litellm_proxy_api",
        fallback: "none",
        code: "TOKEN_ACQUISITION_FAILED",
      },
    ]);
  });

  it("no event carries the token, the client secret, the static key or the prompt", async () => {
    const secretPrompt = "PROMPT-SENTINEL-4711";
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler({ onEvent: record }),
      apiKey: "sk-KEY-SENTINEL",
    });
    await client.completion({
      model: "gpt-4",
      messages: [{ role: "user", content: secretPrompt }],
    });
    const token = deployment.proxy.requests.at(-1)?.token as string;
    deployment.proxy.revoke(token);
    await client.completion({
      model: "gpt-4",
      messages: [{ role: "user", content: secretPrompt }],
    });
    const text = JSON.stringify(events);
    expect(events.length).toBeGreaterThan(3);
    for (const sentinel of [
      token,
      DEFAULT_CLIENT.clientSecret,
      "sk-KEY-SENTINEL",
      secretPrompt,
      "Echo",
    ]) {
      expect(text).not.toContain(sentinel);
    }
  });
});
