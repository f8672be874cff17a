import { ProxyAuthHandler, type TokenCredential } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type RedisCluster,
  startIdentityProvider,
  startRedisCluster,
} from "@proxy-auth/testing";
import { Cluster } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedisTokenCache } from "../src/index.js";

const KEY = "a-fleet-encryption-key-0123456789";
let cluster: RedisCluster;
let idp: IdentityProvider;
const clients: Cluster[] = [];

beforeAll(async () => {
  [cluster, idp] = await Promise.all([
    startRedisCluster(),
    startIdentityProvider({ clients: [DEFAULT_CLIENT] }),
  ]);
}, 30_000);
afterAll(async () => {
  await cluster.stop();
  await idp.close();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});

/** A connected Cluster client, as one process of the fleet has it. */
async function connect(): Promise<Cluster> {
  const client = new Cluster(cluster.startupNodes);
  client.on("error", () => {}); // a node is killed on purpose
  clients.push(client);
  await new Promise((resolve) => client.once("ready", resolve));
  return client;
}

function credential(): GenericOAuth2Credential {
  return new GenericOAuth2Credential({
    clientId: DEFAULT_CLIENT.clientId,
    clientSecret: DEFAULT_CLIENT.clientSecret,
    tokenUrl: idp.tokenUrl,
  });
}

/**
 * One handler per process of a fleet, each with its own credential and Cluster connection.
 * The cache timeout is above this cluster's failover time (tens of milliseconds, more on a
 * loaded machine), so the fleet keeps sharing through it (see the README).
 */
async function fleet(
  size: number,
  wrap: (credential: GenericOAuth2Credential) => TokenCredential = (given) => given,
) {
  return Promise.all(
    Array.from({ length: size }, async () => {
      const lines: string[] = [];
      const handler = new ProxyAuthHandler({
        credential: wrap(credential()),
        scope: "litellm_proxy_api",
        cache: createRedisTokenCache({ client: await connect(), encryptionKey: KEY }),
        cacheTimeoutMs: 3_000,
        logger: { warn: (line) => lines.push(line), info: (line) => lines.push(line) },
      });
      return Object.assign(handler, { lines });
    }),
  );
}

/** The cache's keys, found on the masters. */
async function keys(pattern: string): Promise<string[]> {
  const client = await connect();
  const found = await Promise.all(client.nodes("master").map((node) => node.keys(pattern)));
  return found.flat();
}

describe("createRedisTokenCache on a Redis Cluster (ioredis Cluster client)", () => {
  it("a fleet of ten shares one token and one grant", async () => {
    const handlers = await fleet(10);
    const before = idp.tokensIssued;
    const tokens = await Promise.all(handlers.map((handler) => handler.getToken()));
    expect(new Set(tokens.map((token) => token.token)).size).toBe(1);
    expect(idp.tokensIssued - before).toBe(1);
    expect(await keys("proxy-auth:token:*")).toHaveLength(1);
  });

  it("the master holding the token fails over while the fleet refreshes: no caller rejected, at most one extra grant", async () => {
    let opened: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      opened = resolve;
    });
    let refreshing: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      refreshing = resolve;
    });
    let gated = false;
    // Each process's real credential; once gated (the fleet's refresh), held until the failover is done.
    const handlers = await fleet(10, (real) => ({
      getToken: async (scope, options) => {
        if (gated) {
          refreshing();
          await gate;
        }
        return real.getToken(scope, options);
      },
      cacheKey: () => real.cacheKey(),
    }));
    const first = await Promise.all(handlers.map((handler) => handler.getToken()));
    const [tokenKey] = await keys("proxy-auth:token:*");
    expect(tokenKey).toBeDefined();
    const before = idp.tokensIssued;

    gated = true;
    for (const handler of handlers) handler.invalidate(first[0]?.token);
    const refreshed = Promise.allSettled(handlers.map((handler) => handler.getToken()));
    await started;
    const { stopped, promoted } = await cluster.failover(tokenKey as string);
    opened();
    const results = await refreshed;

    expect(results.filter((result) => result.status === "rejected")).toEqual([]);
    const tokens = results.map(
      (result) => (result as PromiseFulfilledResult<{ token: string }>).value.token,
    );
    expect(tokens.every((token) => token !== first[0]?.token)).toBe(true);
    expect(idp.tokensIssued - before).toBeLessThanOrEqual(2);
    expect((await cluster.masterOf(tokenKey as string)).port).toBe(promoted.port);
    expect(promoted.port).not.toBe(stopped.port);
    // The cache never counted as down: every process kept sharing through the failover.
    expect(handlers.flatMap((handler) => handler.lines)).toEqual([]);
  });
});
