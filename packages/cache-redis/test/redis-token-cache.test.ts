import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { ConfigurationError, ProxyAuthHandler } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type RedisServer,
  startIdentityProvider,
  startRedisServer,
} from "@proxy-auth/testing";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRedisTokenCache, type RedisTokenCache } from "../src/index.js";

const KEY = "a-fleet-encryption-key-0123456789";
let redis: RedisServer;
let idp: IdentityProvider;
let raw: Redis;
const opened: RedisTokenCache[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  idp = await startIdentityProvider({ clients: [DEFAULT_CLIENT] });
  raw = new Redis(redis.url);
  raw.on("error", () => {}); // Redis is stopped on purpose in one test
});
afterAll(async () => {
  raw.disconnect();
  await redis.stop();
  await idp.close();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()));
  await raw.flushall().catch(() => {});
});

function cache(options: Partial<Parameters<typeof createRedisTokenCache>[0]> = {}) {
  const lines: string[] = [];
  const created = createRedisTokenCache({
    url: redis.url,
    encryptionKey: KEY,
    logger: { warn: (line) => lines.push(line) },
    // A loaded test machine can take longer than the 300 ms default for a first command; the
    // tests about timeouts set their own.
    commandTimeoutMs: 5_000,
    ...options,
  });
  opened.push(created);
  return Object.assign(created, { lines });
}

function handler(
  shared: RedisTokenCache,
  extra: Partial<ConstructorParameters<typeof ProxyAuthHandler>[0]> = {},
) {
  const lines: string[] = [];
  const credential = new GenericOAuth2Credential({
    clientId: DEFAULT_CLIENT.clientId,
    clientSecret: DEFAULT_CLIENT.clientSecret,
    tokenUrl: idp.tokenUrl,
  });
  const created = new ProxyAuthHandler({
    credential,
    scope: "litellm_proxy_api",
    cache: shared,
    logger: {
      warn: (line) => lines.push(line),
      debug: (line) => lines.push(line),
      info: (line) => lines.push(line),
    },
    ...extra,
  });
  return Object.assign(created, { lines });
}

const token = (name: string, seconds = 3600) => ({
  token: name,
  expiresOn: Date.now() / 1000 + seconds,
});

describe("createRedisTokenCache against a real redis-server", () => {
  it("stores tokens encrypted under a hashed key, with a TTL to expiry", async () => {
    const store = cache();
    await store.set("oauth2:identity\u0000scope", token("eyJ.SECRET-TOKEN.sig", 120));
    const keys = await raw.keys("*");
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^proxy-auth:token:\{[0-9a-f]{64}\}$/);
    const stored = (await raw.get(keys[0] as string)) as string;
    expect(stored.startsWith("v2.aes-256-gcm:")).toBe(true);
    expect(stored).not.toContain("SECRET-TOKEN");
    expect(await raw.pttl(keys[0] as string)).toBeGreaterThan(118_000);
    expect((await store.get("oauth2:identity\u0000scope"))?.token).toBe("eyJ.SECRET-TOKEN.sig");
    expect(await store.get("another-key")).toBeUndefined();
  });

  it("elects one lock holder; only the holder releases; the lease expires by itself", async () => {
    const a = cache();
    const b = cache();
    const release = await a.acquireRefreshLock("k", 10_000);
    expect(release).toBeDefined();
    expect(await b.acquireRefreshLock("k", 10_000)).toBeUndefined();
    await release?.();
    const again = await b.acquireRefreshLock("k", 150);
    expect(again).toBeDefined();
    await vi.waitFor(async () => expect(await a.acquireRefreshLock("k", 10_000)).toBeDefined(), {
      timeout: 2_000,
    });
    await again?.(); // b's lease passed to a: b's release must not free a's lock
    expect(await b.acquireRefreshLock("k", 10_000)).toBeUndefined();
  });

  it("a wrong key, a foreign value or a plaintext value read as a miss, reported once each", async () => {
    await cache({ encryptionKey: "another-key-for-another-fleet" }).set("k", token("t"));
    const store = cache();
    expect(await store.get("k")).toBeUndefined();
    expect(await store.get("k")).toBeUndefined();
    await raw.set((await raw.keys("*"))[0] as string, '{"not":"ours"}');
    expect(await store.get("k")).toBeUndefined();
    expect(store.lines).toHaveLength(2);
    expect(store.lines[0]).toMatch(/does not decrypt with this encryptionKey/);
    expect(store.lines[1]).toMatch(/not written by proxy-auth/);
    const plain = cache({ encryptionKey: undefined, allowPlaintext: true });
    await plain.set("p", token("plain-token"));
    expect((await plain.get("p"))?.token).toBe("plain-token");
    expect(await store.get("p")).toBeUndefined();
  });

  it("a sealed value copied to another identity's key fails authentication: one warning, a miss", async () => {
    // Someone who can write to Redis but has no encryption key moves X's token under A's key.
    const store = cache();
    const redisKey = (key: string) =>
      `proxy-auth:token:{${createHash("sha256").update(key).digest("hex")}}`;
    await store.set("identity-X", token("token-of-X"));
    const sealed = (await raw.get(redisKey("identity-X"))) as string;
    await raw.set(redisKey("identity-A"), sealed);
    expect(await store.get("identity-A")).toBeUndefined();
    expect(await store.get("identity-A")).toBeUndefined();
    expect(store.lines).toHaveLength(1);
    expect(store.lines[0]).toMatch(/moved from another key/);
    expect((await store.get("identity-X"))?.token).toBe("token-of-X");
    // Through a handler: A gets its own token from the provider, never X's.
    const sharedKey = JSON.stringify(["identity-A", "litellm_proxy_api"]);
    await raw.set(redisKey(sharedKey), sealed);
    const a = handler(store, { cacheKey: "identity-A" });
    expect((await a.getToken()).token).toMatch(/^eyJ/);
  });

  it("a value in the first format (v1, not bound to its key) is a miss, re-fetched", async () => {
    const store = cache();
    const key = `proxy-auth:token:{${createHash("sha256").update("k").digest("hex")}}`;
    await raw.set(key, `v1.aes-256-gcm:${Buffer.alloc(64).toString("base64")}`);
    expect(await store.get("k")).toBeUndefined();
    expect(store.lines[0]).toMatch(/older format/);
  });

  it("refuses unsafe or incomplete options", () => {
    expect(() => createRedisTokenCache({ url: redis.url })).toThrow(/encryptionKey/);
    expect(() => createRedisTokenCache({ encryptionKey: KEY })).toThrow(ConfigurationError);
    expect(() =>
      createRedisTokenCache({ url: "http://127.0.0.1:6379", encryptionKey: KEY }),
    ).toThrow(/redis:\/\//);
    expect(() => createRedisTokenCache({ url: redis.url, encryptionKey: "short" })).toThrow(/16/);
    expect(() => createRedisTokenCache({ client: {}, encryptionKey: KEY })).toThrow(/ioredis/);
  });
});

describe("handlers sharing Redis", () => {
  it("ten cold handlers (as ten processes would) make one grant", async () => {
    // Connected caches, and timeouts that a loaded test machine cannot trip: this test is about
    // the election, not about the fallback (tested below).
    const caches = Array.from({ length: 10 }, () => cache({ commandTimeoutMs: 5_000 }));
    await Promise.all(caches.map((store) => store.get("warm-up")));
    const before = idp.tokensIssued;
    const handlers = caches.map((store) => handler(store, { cacheTimeoutMs: 5_000 }));
    const tokens = await Promise.all(handlers.map((h) => h.getToken()));
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(idp.tokensIssued - before).toBe(1);
  });

  it("after a 401, one handler refreshes and the others take the new shared token", async () => {
    const a = handler(cache());
    const b = handler(cache());
    const first = await a.getToken();
    expect((await b.getToken()).token).toBe(first.token);
    const before = idp.tokensIssued;
    a.invalidate(first.token);
    const second = await a.getToken();
    expect(second.token).not.toBe(first.token);
    b.invalidate(first.token);
    expect((await b.getToken()).token).toBe(second.token);
    expect(idp.tokensIssued - before).toBe(1);
  });

  it("Redis stopped mid-run: requests keep being served, one warning, sharing resumes when it is back", async () => {
    const shared = cache();
    const a = handler(shared, { cacheTimeoutMs: 300 });
    await a.getToken();
    await redis.stop();
    try {
      a.invalidate();
      const own = await a.getToken(); // the cache is down: the handler fetches directly
      expect(own.token).toMatch(/^eyJ/);
      a.invalidate();
      await a.getToken();
      expect(a.lines.filter((line) => line.startsWith("Token cache unavailable"))).toHaveLength(1);
    } finally {
      await redis.restart();
    }
    await vi.waitFor(
      async () => {
        a.invalidate();
        await a.getToken();
        expect(a.lines.some((line) => line.includes("answers again"))).toBe(true);
      },
      { timeout: 10_000, interval: 200 },
    );
  });

  it("a wrong encryption key: served anyway, with a clear log line", async () => {
    const good = handler(cache());
    await good.getToken();
    const otherKey = cache({ encryptionKey: "a-different-fleet-key-000000" });
    const other = handler(otherKey);
    expect((await other.getToken()).token).toMatch(/^eyJ/);
    expect(otherKey.lines.join("\n")).toMatch(/does not decrypt with this encryptionKey/);
  });

  it("the refreshing process is killed while holding the lock: another takes over", async () => {
    // A real process takes the lock with a credential that never answers, then is killed.
    const script = `
      import { ProxyAuthHandler } from "@proxy-auth/core";
      import { createRedisTokenCache } from "@proxy-auth/cache-redis";
      const cache = createRedisTokenCache({ url: process.env.REDIS_URL, encryptionKey: process.env.KEY });
      const handler = new ProxyAuthHandler({
        credential: { getToken: () => new Promise(() => { console.log("refreshing"); }), cacheKey: () => process.env.CACHE_KEY },
        scope: "litellm_proxy_api",
        cache,
        credentialTimeoutMs: 2_000, // its lock's lease: this, plus twice the cache timeout
      });
      handler.getToken();
      setInterval(() => {}, 1000);
    `;
    const credential = new GenericOAuth2Credential({
      clientId: DEFAULT_CLIENT.clientId,
      clientSecret: DEFAULT_CLIENT.clientSecret,
      tokenUrl: idp.tokenUrl,
    });
    const cacheKey = await credential.cacheKey();
    const child = execFile(process.execPath, ["--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: { ...process.env, REDIS_URL: redis.url, KEY, CACHE_KEY: cacheKey },
    });
    await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
    child.kill("SIGKILL");
    const survivor = handler(cache(), { cacheWaitMs: 500 });
    const before = idp.tokensIssued;
    expect((await survivor.getToken()).token).toMatch(/^eyJ/);
    expect(idp.tokensIssued - before).toBe(1);
  });
});

describe("clock skew between processes sharing Redis", () => {
  it("a writer whose clock runs a day ahead cannot make others serve its token past expiry", async () => {
    const dayMs = 86_400_000;
    const real = new GenericOAuth2Credential({
      clientId: DEFAULT_CLIENT.clientId,
      clientSecret: DEFAULT_CLIENT.clientSecret,
      tokenUrl: idp.tokenUrl,
    });
    // A process a day ahead: its credential computes expiresOn from expires_in with its clock.
    const ahead = handler(cache(), {
      credential: {
        getToken: async (scope, options) => {
          const issued = await real.getToken(scope, options);
          return { ...issued, expiresOn: issued.expiresOn + dayMs / 1000 };
        },
        cacheKey: () => real.cacheKey(),
      },
      now: () => Date.now() + dayMs,
    });
    const written = await ahead.getToken();
    const before = idp.tokensIssued;
    for (const offsetMs of [0, -120_000, 120_000]) {
      const reader = handler(cache(), { now: () => Date.now() + offsetMs });
      const read = await reader.getToken();
      expect(read.token).toBe(written.token); // shared, no grant of its own
      const lifetime = written.expiresOn - dayMs / 1000 - Date.now() / 1000;
      // In the reader's own clock: no later than its now plus what the token really has left.
      expect(read.expiresOn).toBeLessThanOrEqual((Date.now() + offsetMs) / 1000 + lifetime + 1);
    }
    expect(idp.tokensIssued).toBe(before);
  });

  it("getEntry gives the remaining lifetime the writer stated, counted down by Redis", async () => {
    const store = cache();
    await store.set("k", token("eyJ.a.b", 86_400), 300_000);
    const entry = await store.getEntry?.("k");
    expect(entry?.token.token).toBe("eyJ.a.b");
    expect(entry?.remainingMs).toBeGreaterThan(295_000);
    expect(entry?.remainingMs).toBeLessThanOrEqual(300_000);
    expect(await store.getEntry?.("missing")).toBeUndefined();
  });
});

describe("the fleet at scale: one round trip per attempt, a notification for waiters", () => {
  /** Scripts Redis has run since the last RESETSTAT. */
  const evals = async () => {
    const stats = await raw.info("commandstats");
    return Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  };

  it("getOrLock: a newer token, else the lock when free, else neither — one script each", async () => {
    const writer = cache();
    const reader = cache();
    await writer.set("k", token("eyJ.first"));
    await raw.config("RESETSTAT");
    // A token other than the one the reader knows: taken, no lock.
    expect((await reader.getOrLock?.("k", 10_000, undefined))?.entry?.token.token).toBe(
      "eyJ.first",
    );
    expect(await raw.keys("proxy-auth:lock:*")).toEqual([]);
    // The reader now holds "eyJ.first": the same stored token gets it the lock instead.
    const elected = await reader.getOrLock?.("k", 10_000, "eyJ.first");
    expect(elected?.entry).toBeUndefined();
    expect(typeof elected?.release).toBe("function");
    // The writer knows it too (it wrote it): the lock is held, so neither.
    const held = await writer.getOrLock?.("k", 10_000, "eyJ.first");
    expect(held?.entry).toBeUndefined();
    expect(held?.release).toBeUndefined();
    // How long the holder's lock has left: at most its time to live (it renews it while alive).
    expect(held?.lockRemainingMs).toBeGreaterThan(0);
    expect(held?.lockRemainingMs).toBeLessThanOrEqual(2_000);
    expect(await evals()).toBe(3); // one script per attempt
    await elected?.release?.();
    await writer.set("k", token("eyJ.second"));
    expect((await writer.getOrLock?.("k", 10_000, "eyJ.first"))?.entry?.token.token).toBe(
      "eyJ.second",
    );
  });

  it("a process that never saw the token it holds still gets the lock past it (two scripts)", async () => {
    await cache().set("k", token("eyJ.held"));
    const stranger = cache();
    const claim = await stranger.getOrLock?.("k", 10_000, "eyJ.held");
    expect(claim?.entry).toBeUndefined();
    expect(typeof claim?.release).toBe("function");
  });

  it("token and lock share one Redis Cluster slot (a hash tag)", async () => {
    const store = cache();
    await store.set("k", token("eyJ.slot"));
    await store.acquireRefreshLock("k", 10_000);
    const keys = await raw.keys("*");
    const tags = new Set(keys.map((key) => /\{([0-9a-f]{64})\}$/.exec(key)?.[1]));
    expect(keys).toHaveLength(2);
    expect(tags.size).toBe(1);
  });

  it("waitForToken wakes when another process stores a token (pub/sub), or at its timeout", async () => {
    const waiter = cache();
    const writer = cache();
    const started = Date.now();
    await waiter.waitForToken?.("k", 100); // nothing stored: its timeout ends it
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    let woken = false;
    const waiting = waiter.waitForToken?.("k", 30_000).then(() => (woken = true));
    // The subscription is made on the first wait; store until the waiter hears it.
    // Real time (integration): pub/sub delivery by the real redis-server takes its own time.
    for (let i = 0; i < 100 && !woken; i++) {
      await writer.set("k", token(`eyJ.${i}`));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waiting;
    expect(woken).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    // Nobody waits any more: the subscriber connection closes by itself (it must not keep a
    // process alive whose own client is closed elsewhere).
    const subscribers = async () =>
      String(await raw.client("LIST"))
        .split("\n")
        .filter((line: string) => / sub=[1-9]/.test(line));
    expect(await subscribers()).toHaveLength(1);
    // Real time (integration): the subscription must outlive a real redis-server round of idle time.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await subscribers()).toHaveLength(0);
  });

  it("a cold fleet of 20 handlers on one client: one grant, the waiters woken by the publish", async () => {
    const shared = cache();
    const fleet = Array.from({ length: 20 }, () => handler(shared));
    const before = idp.tokensIssued;
    const tokens = await Promise.all(fleet.map((h) => h.getToken()));
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(idp.tokensIssued - before).toBe(1);
  });
});
