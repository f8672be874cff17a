import { ProxyAuthHandler } from "@proxy-auth/core";
import { authorizedSend } from "@proxy-auth/core/internal";
import { type DPoPOptions, GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type MockProxy,
  type RedisServer,
  startIdentityProvider,
  startMockProxy,
  startRedisServer,
} from "@proxy-auth/testing";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedisTokenCache, type RedisTokenCache } from "../src/index.js";

const KEY = "a-fleet-encryption-key-0123456789";
let redis: RedisServer;
let idp: IdentityProvider;
let proxy: MockProxy;
let raw: Redis;
const opened: RedisTokenCache[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  idp = await startIdentityProvider({ clients: [DEFAULT_CLIENT] });
  proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
    dpop: { required: true },
  });
  raw = new Redis(redis.url);
});
afterAll(async () => {
  raw.disconnect();
  await proxy.close();
  await redis.stop();
  await idp.close();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()));
  await raw.flushall();
});

/** One process of the fleet: its own Redis connection, credential and handler. */
function member(dpop: true | DPoPOptions) {
  const cache = createRedisTokenCache({
    url: redis.url,
    encryptionKey: KEY,
    commandTimeoutMs: 5_000,
  });
  opened.push(cache);
  return new ProxyAuthHandler({
    credential: new GenericOAuth2Credential({ ...DEFAULT_CLIENT, tokenUrl: idp.tokenUrl, dpop }),
    scope: "litellm_proxy_api",
    cache,
    logger: { warn: () => {} },
  });
}

/** A chat call through the one auth path (what completion(), createAuthFetch and serve use). */
async function chat(handler: ProxyAuthHandler): Promise<number> {
  const url = `${proxy.url}/chat/completions`;
  const { response } = await authorizedSend({
    handler,
    headerValue: (token) => `Bearer ${token}`,
    replayable: true,
    method: "POST",
    url,
    send: (header, _replay, proof) =>
      fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(header === undefined ? {} : { authorization: header }),
          ...(proof === undefined ? {} : { dpop: proof }),
        },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      }),
    status: (answer) => answer.status,
    header: (answer, name) => answer.headers.get(name),
    discard: (answer) => answer.body?.cancel(),
  });
  await response.body?.cancel();
  return response.status;
}

describe("DPoP in a fleet sharing Redis", () => {
  it("processes given one key pair share one token: one grant for the fleet, every proof accepted", async () => {
    // The same key in every process, as loaded from the fleet's secret store.
    const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
      "sign",
      "verify",
    ]);
    const issued = idp.tokensIssued;
    proxy.resetRecords();
    const fleet = Array.from({ length: 4 }, () => member({ keyPair }));
    const statuses = await Promise.all(fleet.flatMap((handler) => [chat(handler), chat(handler)]));
    expect(statuses).toEqual(Array(8).fill(200));
    expect(idp.tokensIssued - issued).toBe(1);
    expect(new Set(proxy.requests.map((request) => request.token)).size).toBe(1);
    expect(await raw.keys("*")).toHaveLength(1);
  });

  it("processes with keys of their own keep tokens per process: one entry and one grant each", async () => {
    const issued = idp.tokensIssued;
    proxy.resetRecords();
    const fleet = Array.from({ length: 3 }, () => member(true));
    const statuses = await Promise.all(fleet.map((handler) => chat(handler)));
    expect(statuses).toEqual([200, 200, 200]);
    expect(idp.tokensIssued - issued).toBe(3);
    expect(new Set(proxy.requests.map((request) => request.token)).size).toBe(3);
    // Each process's entry under its own key; a second round costs no grant.
    expect(await Promise.all(fleet.map((handler) => chat(handler)))).toEqual([200, 200, 200]);
    expect(idp.tokensIssued - issued).toBe(3);
  });
});
