import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  ControlledCredential,
  credentialFrom,
  flush,
  recordingLogger,
  TestClock,
  tokenString,
} from "../../test/fixtures.js";
import type { AccessToken } from "../access-token.js";
import { ConfigurationError, TokenAcquisitionError } from "../errors.js";
import { ProxyAuthHandler } from "../proxy-auth-handler.js";
import { createMemoryTokenCache, type TokenCache } from "../token-cache.js";

let clock: TestClock;
let logger: ReturnType<typeof recordingLogger>;

beforeEach(() => {
  clock = new TestClock();
  logger = recordingLogger();
});

/** A cache that counts its calls and can be switched off. */
function instrumented(inner: TokenCache) {
  const counts = { get: 0, set: 0, lock: 0 };
  let down = false;
  /** Counts the call, fails while "down", else asks the real cache. */
  const call = <T>(name: keyof typeof counts, operation: () => Promise<T>): Promise<T> => {
    counts[name]++;
    return down ? Promise.reject(new Error("ECONNREFUSED 127.0.0.1:6379")) : operation();
  };
  const cache: TokenCache = {
    get: (key) => call("get", () => inner.get(key)),
    set: (key, token) => call("set", () => inner.set(key, token)),
    acquireRefreshLock: (key, lease) => call("lock", () => inner.acquireRefreshLock(key, lease)),
  };
  return { cache, counts, setDown: (value: boolean) => (down = value) };
}

/** One "process": its own credential and handler, sharing the cache. */
function process_(
  cache: TokenCache,
  options: { cacheWaitMs?: number; maxTokenWaitMs?: number } = {},
) {
  const credential = new ControlledCredential();
  const handler = new ProxyAuthHandler({
    credential,
    scope: "s",
    cache,
    cacheKey: "fleet-key",
    now: clock.now,
    logger,
    _internal: {
      // Each handler's point in the refresh window (and its jitter) is drawn from this: fixed
      // here, so "45 s into a 60 s token" is always past it (a random draw could land later).
      random: () => 0.5,
      // Handlers sleeping at once wake at their own times, not one after another's sleep.
      sleep: async (milliseconds) => {
        const wakeAt = clock.time + milliseconds;
        await flush(1);
        clock.time = Math.max(clock.time, wakeAt);
        await flush(1);
      },
    },
    ...options,
  });
  return { credential, handler };
}

/** The key handlers with cacheKey "fleet-key" and scope "s" share under. */
const SHARED_KEY = JSON.stringify(["fleet-key", "s"]);

const issued = (n: number, lifetime = 3600): AccessToken => ({
  token: tokenString(n),
  expiresOn: clock.seconds + lifetime,
});

describe("a shared TokenCache", () => {
  it("elects one refresher: a cold fleet makes one grant", async () => {
    const cache = createMemoryTokenCache(clock.now);
    const a = process_(cache);
    const b = process_(cache);
    const c = process_(cache);
    const waiting = [a, b, c].map((p) => p.handler.getToken());
    await flush();
    expect(a.credential.calls + b.credential.calls + c.credential.calls).toBe(1);
    a.credential.answer(issued(1));
    const tokens = await Promise.all(waiting);
    expect(new Set(tokens.map((token) => token.token))).toEqual(new Set([tokenString(1)]));
    expect(b.credential.calls + c.credential.calls).toBe(0);
  });

  it("a rotation costs one grant: the others take the newer shared token", async () => {
    const cache = createMemoryTokenCache(clock.now);
    const a = process_(cache);
    const b = process_(cache);
    const first = [a.handler.getToken(), b.handler.getToken()];
    await flush();
    a.credential.answer(issued(1));
    await Promise.all(first);
    clock.advance(3590); // past both handlers' spread refresh times, still usable
    expect((await a.handler.getToken()).token).toBe(tokenString(1));
    await flush();
    a.credential.answer(issued(2));
    await flush();
    expect((await b.handler.getToken()).token).toBe(tokenString(1)); // served at once…
    await flush();
    expect((await b.handler.getToken()).token).toBe(tokenString(2)); // …then the shared one
    expect(b.credential.calls).toBe(0);
  });

  it("the hot path never touches the cache", async () => {
    const { cache, counts } = instrumented(createMemoryTokenCache(clock.now));
    const a = process_(cache);
    const cold = a.handler.getToken();
    await flush();
    a.credential.answer(issued(1));
    await cold;
    const before = { ...counts };
    for (let i = 0; i < 100; i++) await a.handler.getAuthHeaders();
    expect(counts).toEqual(before);
  });

  it("when the refresher dies holding the lock, a waiter refreshes once its lease lapses", async () => {
    const cache = createMemoryTokenCache(clock.now);
    await cache.acquireRefreshLock(SHARED_KEY, 10_000); // a refresher that never publishes
    const start = clock.time;
    const b = process_(cache, { cacheWaitMs: 1_000 });
    const waiting = b.handler.getToken();
    while (b.credential.calls === 0 && clock.time < start + 60_000) await flush(1);
    expect(b.credential.calls).toBe(1);
    expect(clock.time - start).toBeGreaterThanOrEqual(10_000); // not before the lease lapsed
    expect(clock.time - start).toBeLessThan(12_000); // found within one cacheWaitMs after
    b.credential.answer(issued(7));
    expect((await waiting).token).toBe(tokenString(7));
  });

  it("never takes back a token it invalidated", async () => {
    const cache = createMemoryTokenCache(clock.now);
    const a = process_(cache);
    const cold = a.handler.getToken();
    await flush();
    a.credential.answer(issued(1));
    await cold;
    a.handler.invalidate(tokenString(1)); // the proxy refused it; the cache still holds it
    const next = a.handler.getToken();
    await flush();
    expect(a.credential.calls).toBe(2);
    a.credential.answer(issued(2));
    expect((await next).token).toBe(tokenString(2));
    expect((await cache.get(SHARED_KEY))?.token).toBe(tokenString(2));
  });

  it("ignores a foreign or corrupted value and refreshes over it", async () => {
    const cache = createMemoryTokenCache(clock.now);
    await cache.set(SHARED_KEY, { token: "not a token", expiresOn: Number.NaN } as AccessToken);
    const a = process_(cache);
    const cold = a.handler.getToken();
    await flush();
    a.credential.answer(issued(3));
    expect((await cold).token).toBe(tokenString(3));
    expect((await cache.get(SHARED_KEY))?.token).toBe(tokenString(3));
  });

  it("cache down: the handler gets its own tokens, one warning per outage, and says when it is back", async () => {
    const { cache, setDown } = instrumented(createMemoryTokenCache(clock.now));
    const a = process_(cache);
    setDown(true);
    const first = a.handler.getToken();
    await flush();
    a.credential.answer(issued(1, 60));
    expect((await first).token).toBe(tokenString(1));
    clock.advance(45);
    await a.handler.getToken(); // background refresh, cache still down
    await flush();
    a.credential.answer(issued(2, 60));
    await flush();
    expect(
      logger.lines.filter(
        (line) => line.level === "warn" && line.message.includes("Token cache unavailable"),
      ),
    ).toHaveLength(1);
    expect(logger.lines.some((line) => line.message.includes("ECONNREFUSED"))).toBe(true);
    setDown(false);
    clock.advance(45);
    await a.handler.getToken();
    await flush();
    a.credential.answer(issued(3, 60));
    await flush();
    expect(
      logger.lines.some((line) => line.level === "info" && line.message.includes("answers again")),
    ).toBe(true);
  });

  it("a cache that never answers counts as down after cacheTimeoutMs", async () => {
    const hanging: TokenCache = {
      get: () => new Promise(() => {}),
      set: () => new Promise(() => {}),
      acquireRefreshLock: () => new Promise(() => {}),
    };
    const credential = new ControlledCredential();
    const handler = new ProxyAuthHandler({
      credential,
      scope: "s",
      cache: hanging,
      cacheKey: "k",
      cacheTimeoutMs: 20,
      logger,
    });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const waiting = handler.getToken();
      await vi.advanceTimersByTimeAsync(19);
      expect(credential.calls).toBe(0);
      await vi.advanceTimersByTimeAsync(41);
      expect(credential.calls).toBe(1);
      credential.answer({ token: "t", expiresOn: Date.now() / 1000 + 60 });
      expect((await waiting).token).toBe("t");
    } finally {
      vi.useRealTimers();
    }
    expect(logger.lines.some((line) => line.message.includes("no answer within 20 ms"))).toBe(true);
  });

  it("needs a key: from cacheKey, or the credential's cacheKey()", () => {
    const cache = createMemoryTokenCache();
    expect(
      () => new ProxyAuthHandler({ credential: new ControlledCredential(), scope: "s", cache }),
    ).toThrow(ConfigurationError);
    expect(
      () =>
        new ProxyAuthHandler({
          credential: new ControlledCredential(),
          scope: "s",
          cache: {} as TokenCache,
          cacheKey: "k",
        }),
    ).toThrow(/TokenCache/);
    const keyed = Object.assign(new ControlledCredential(), { cacheKey: () => "identity" });
    expect(() => new ProxyAuthHandler({ credential: keyed, scope: "s", cache })).not.toThrow();
  });
});

describe("a slow identity provider", () => {
  it("the lease covers the refresher's whole credential call: 8 processes, a 20 s grant, one grant", async () => {
    const { cache } = instrumented(createMemoryTokenCache(clock.now));
    const leases: number[] = [];
    const recording: TokenCache = {
      ...cache,
      acquireRefreshLock: (key, leaseMs) => {
        leases.push(leaseMs);
        return cache.acquireRefreshLock(key, leaseMs);
      },
    };
    // Callers willing to wait longer than the provider takes (the fleet wait honours the bound).
    const fleet = Array.from({ length: 8 }, () => process_(recording, { maxTokenWaitMs: 30_000 }));
    const start = clock.time;
    const waiting = fleet.map((p) => p.handler.getToken());
    await flush();
    const refresher = fleet.find((p) => p.credential.calls === 1);
    expect(refresher).toBeDefined();
    // The provider takes 20 s, four times cacheWaitMs and twice the old 10 s lease.
    while (clock.time < start + 20_000) await flush(1);
    expect(fleet.reduce((sum, p) => sum + p.credential.calls, 0)).toBe(1);
    refresher?.credential.answer(issued(1));
    const tokens = await Promise.all(waiting);
    expect(new Set(tokens.map((token) => token.token))).toEqual(new Set([tokenString(1)]));
    expect(fleet.reduce((sum, p) => sum + p.credential.calls, 0)).toBe(1);
    expect(Math.min(...leases)).toBeGreaterThanOrEqual(30_000); // credentialTimeoutMs, and more
  });
});

describe("rule 17: maxTokenWaitMs bounds the wait for a fleet peer's refresh too", () => {
  it("a waiter stops at the bound, on the injected clock, with a retryable error; no extra grant", async () => {
    const cache = createMemoryTokenCache(clock.now);
    // The refresher's provider takes 60 s; the waiter's callers wait 10 s at most.
    const refresher = process_(cache, { maxTokenWaitMs: 90_000 });
    const refreshing = refresher.handler.getToken();
    await flush();
    expect(refresher.credential.calls).toBe(1);
    const waiter = process_(cache, { maxTokenWaitMs: 10_000 });
    const start = clock.time;
    const error = await waiter.handler.getToken().catch((caught: unknown) => caught);
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect((error as TokenAcquisitionError).retryable).toBe(true);
    expect((error as Error).message).toContain("another process holds the refresh lock");
    // It gave up at the bound, not at the lease (31 s) plus cacheWaitMs.
    expect(clock.time - start).toBeGreaterThanOrEqual(10_000);
    expect(clock.time - start).toBeLessThan(12_000);
    expect(waiter.credential.calls).toBe(0);
    refresher.credential.answer(issued(1));
    expect((await refreshing).token).toBe(tokenString(1));
  });
});

describe("clock skew across the fleet", () => {
  // Five processes whose clocks are off by 0, ±2 minutes and ±1 day share one cache whose
  // durations run on true time (as Redis's TTLs do). Tokens live 300 s; each credential computes
  // expiresOn from `expires_in` with its own process's clock, as GenericOAuth2Credential does.
  it("no process serves a token past its real expiry, whoever published it", async () => {
    const truth = clock;
    const cache = createMemoryTokenCache(truth.now);
    const realExpiry = new Map<string, number>();
    let grants = 0;
    const offsets = [0, 120_000, -120_000, 86_400_000, -86_400_000];
    const fleet = offsets.map((offset) => {
      const now = () => truth.time + offset;
      const credential = credentialFrom(() => {
        const token = tokenString(++grants);
        realExpiry.set(token, truth.time + 300_000);
        return { token, expiresOn: Math.floor(now() / 1000) + 300 };
      });
      return new ProxyAuthHandler({
        credential,
        scope: "s",
        cache,
        cacheKey: "fleet-key",
        now,
        logger,
        _internal: {
          sleep: async (milliseconds) => {
            truth.time += milliseconds;
            await flush(1);
          },
        },
      });
    });
    const stale: string[] = [];
    const start = truth.time;
    while (truth.time < start + 3_000_000) {
      for (const [index, handler] of fleet.entries()) {
        const { token } = await handler.getToken();
        const expiry = realExpiry.get(token) ?? 0;
        if (expiry <= truth.time) stale.push(`process ${index} at ${truth.time - start} ms`);
      }
      truth.time += 1_000;
      await flush(2);
    }
    expect(stale).toEqual([]);
    // Every rotation shared by most of the fleet: far fewer grants than one per process.
    expect(grants).toBeLessThan((3_000 / 240) * offsets.length);
  });

  it("a reader keeps the smaller of the stated expiry and the entry's remaining lifetime", async () => {
    const cache = createMemoryTokenCache(clock.now);
    // A writer a day ahead: its token says "expires tomorrow", its lifetime says 300 s.
    await cache.set(SHARED_KEY, issued(5, 86_400 + 300), 300_000);
    const reader = process_(cache);
    const token = await reader.handler.getToken();
    expect(token.token).toBe(tokenString(5));
    expect(token.expiresOn).toBe(clock.seconds + 300);
    expect(reader.credential.calls).toBe(0);
  });
});

describe("a fleet at scale", () => {
  /** A memory cache counting each handler-facing call (`getOrLock` is one attempt, one round trip). */
  function counting(inner: TokenCache) {
    const calls = { attempts: 0, reads: 0, locks: 0, sets: 0 };
    const counted =
      <A extends unknown[], R>(name: keyof typeof calls, call: (...args: A) => R) =>
      (...args: A): R => {
        calls[name]++;
        return call(...args);
      };
    const memory = inner as Required<TokenCache>;
    const cache: TokenCache = {
      get: counted("reads", (key: string) => memory.get(key)),
      getEntry: counted("reads", (key: string) => memory.getEntry(key)),
      set: counted("sets", (key: string, token: AccessToken, lifetimeMs?: number) =>
        memory.set(key, token, lifetimeMs),
      ),
      acquireRefreshLock: counted("locks", (key: string, lease: number) =>
        memory.acquireRefreshLock(key, lease),
      ),
      getOrLock: counted("attempts", (key: string, lease: number, known?: string) =>
        memory.getOrLock(key, lease, known),
      ),
      waitForToken: (key, ms) => memory.waitForToken(key, ms),
    };
    /** Every call that reaches the cache for a token or the lock. */
    const total = () => calls.attempts + calls.reads + calls.locks;
    return { cache, calls, total };
  }

  /** A seeded source of numbers in [0, 1) (mulberry32), one per handler. */
  const seeded = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };

  it("spreads the refreshes: one grant per rotation, about one attempt per handler, no waiting", async () => {
    const { cache, calls } = counting(createMemoryTokenCache(clock.now));
    let grants = 0;
    const credential = credentialFrom(() => issued(++grants, 60));
    const fleet = Array.from(
      { length: 40 },
      (_, index) =>
        new ProxyAuthHandler({
          credential,
          scope: "s",
          cache,
          cacheKey: "fleet-key",
          now: clock.now,
          logger,
          _internal: {
            random: seeded(index + 1),
            sleep: async () => {
              throw new Error("a handler with a usable token never sleeps");
            },
          },
        }),
    );
    await fleet[0]?.getToken();
    for (const handler of fleet) await handler.getToken(); // everyone holds token 1
    const before = { ...calls };
    const switchedAt = new Map<string, number[]>();
    const start = clock.time;
    while (clock.time < start + 100_000) {
      for (const handler of fleet) {
        const { token, expiresOn } = await handler.getToken();
        expect(expiresOn * 1000).toBeGreaterThan(clock.time); // never an expired token
        const times = switchedAt.get(token) ?? [];
        times.push(clock.time);
        switchedAt.set(token, times);
      }
      clock.time += 250;
      await flush(1);
    }
    const rotations = grants - 1;
    expect(rotations).toBeGreaterThanOrEqual(3);
    // Every grant in the run became the fleet's token: none was a duplicate.
    expect([...switchedAt.keys()]).toHaveLength(grants);
    const attempts = calls.attempts - before.attempts;
    expect(attempts / fleet.length / rotations).toBeLessThanOrEqual(1.5);
    expect(calls.reads + calls.locks).toBe(before.reads + before.locks); // one call per attempt
    // Token 3 was first served by one handler and last taken up seconds later, not all at once.
    const taken = switchedAt.get(tokenString(3)) ?? [];
    expect(Math.max(...taken) - Math.min(...taken)).toBeGreaterThan(10_000);
  });

  it("a handler with a usable token never waits for another's refresh: it serves, and looks again later", async () => {
    const { cache, total } = counting(createMemoryTokenCache(clock.now));
    const a = process_(cache);
    const cold = a.handler.getToken();
    await flush();
    a.credential.answer(issued(1, 60)); // refresh window 30 s → 55 s
    await cold;
    await cache.acquireRefreshLock(SHARED_KEY, 60_000); // another process is refreshing
    clock.advance(50); // past any handler's spread refresh time, 5 s of usable time left
    const before = total();
    expect((await a.handler.getToken()).token).toBe(tokenString(1)); // served at once
    await flush();
    expect(total() - before).toBe(1);
    for (let i = 0; i < 4; i++) {
      clock.time += 100; // within its first pause (at least 500 ms)
      expect((await a.handler.getToken()).token).toBe(tokenString(1));
      await flush();
    }
    expect(total() - before).toBe(1); // no polling
    await cache.set(SHARED_KEY, issued(2, 60)); // the other process publishes
    clock.time += 1_000;
    await a.handler.getToken();
    await flush();
    expect(total() - before).toBe(2);
    expect((await a.handler.getToken()).token).toBe(tokenString(2));
    expect(a.credential.calls).toBe(1);
  });

  it("a handler without a token is woken by the published token, not by a polling loop", async () => {
    const { cache, calls } = counting(createMemoryTokenCache(clock.now));
    const refresher = process_(cache);
    const refreshing = refresher.handler.getToken();
    await flush();
    expect(refresher.credential.calls).toBe(1);
    const credential = new ControlledCredential();
    const waiter = new ProxyAuthHandler({
      credential,
      scope: "s",
      cache,
      cacheKey: "fleet-key",
      now: clock.now,
      logger,
      cacheWaitMs: 60_000,
      // Its backoff never ends: only the notification wakes it.
      _internal: { sleep: () => new Promise(() => {}) },
    });
    let got: AccessToken | undefined;
    void waiter.getToken().then((token) => (got = token));
    await flush();
    const attemptsBefore = calls.attempts;
    refresher.credential.answer(issued(4));
    await refreshing;
    await flush();
    expect(got?.token).toBe(tokenString(4));
    expect(calls.attempts - attemptsBefore).toBe(1);
    expect(credential.calls).toBe(0);
  });

  it("waiters back off while the refresher's lease is held: a few attempts in 20 s, not one per 50 ms", async () => {
    const { cache, total } = counting(createMemoryTokenCache(clock.now));
    const fleet = Array.from({ length: 4 }, () => process_(cache, { maxTokenWaitMs: 30_000 }));
    const start = clock.time;
    const waiting = fleet.map((p) => p.handler.getToken());
    await flush();
    const refresher = fleet.find((p) => p.credential.calls === 1);
    while (clock.time < start + 20_000) await flush(1);
    // Backoff from 100 ms, doubled up to cacheWaitMs (5 s): about 8 attempts each in 20 s.
    expect(total() / fleet.length).toBeLessThanOrEqual(12);
    refresher?.credential.answer(issued(1));
    const tokens = await Promise.all(waiting);
    expect(new Set(tokens.map((token) => token.token))).toEqual(new Set([tokenString(1)]));
    expect(fleet.reduce((sum, p) => sum + p.credential.calls, 0)).toBe(1);
  });
});
