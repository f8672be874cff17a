import type { AccessToken } from "./access-token.js";
import { systemTimers, type Timers } from "./timers.js";

/**
 * Gives up the refresh lock taken with {@link TokenCache.acquireRefreshLock} — at once, or, with
 * `holdMs`, once that much more time has passed (the lock then lapses by itself, as if its
 * lease were cut to `holdMs` from now): a refresher whose identity provider failed holds back
 * the fleet's next probe for about a second. A cache may ignore `holdMs` (the handlers then
 * probe once a second each instead of once a second in all).
 */
export type ReleaseLock = (holdMs?: number) => Promise<void>;

/**
 * A token read from a {@link TokenCache} with how long it has left, measured as a duration by
 * the cache (a Redis key's TTL), so no process's wall clock is trusted for it.
 */
export interface TokenCacheEntry {
  /** The token as stored; its `expiresOn` is the writer's clock's view. */
  token: AccessToken;
  /** Milliseconds the entry has left (the remaining lifetime the writer stored, counted down). */
  remainingMs: number;
}

/**
 * What {@link TokenCache.getOrLock} found: a stored token other than the one the caller knows,
 * else the refresh lock when nobody held it, else neither (another process is refreshing).
 */
export interface TokenCacheClaim {
  /** The stored token, when there is one other than the caller's `known` token. */
  entry?: TokenCacheEntry;
  /** Set when this caller became the refresher (no other token stored, the lock was free). */
  release?: ReleaseLock;
  /**
   * Optional, when another process holds the lock: how long its lease has left, in
   * milliseconds. A waiter then looks again no later than when the lease would lapse, so a
   * refresher that died is replaced at once (a cache that renews short leases while its holder
   * lives makes that within seconds).
   */
  lockRemainingMs?: number;
}

/**
 * Where handlers in many processes share one token and elect one refresher, so a fleet makes
 * one grant per rotation instead of one per process. `@proxy-auth/cache-redis` implements it on
 * Redis; {@link createMemoryTokenCache} in one process.
 *
 * Every method may reject (the cache is down): the handler then falls back to its own
 * in-process behaviour and logs one warning per outage.
 */
export interface TokenCache {
  /** The token stored under `key`, or undefined (also for a value that cannot be read). */
  get(key: string): Promise<AccessToken | undefined>;
  /**
   * Stores `token` under `key` until it expires. `lifetimeMs`, when given, is how long the token
   * has left by the writer's clock: store it as a duration (a key TTL), not as an absolute time,
   * so a writer whose clock is wrong cannot make others serve the token past its expiry.
   */
  set(key: string, token: AccessToken, lifetimeMs?: number): Promise<void>;
  /**
   * Optional: the token under `key` with its remaining lifetime as the cache measures it. When
   * present, readers take the smaller of the token's stated expiry and this remaining lifetime
   * (clock skew between processes cannot extend a token); without it, the stated expiry is
   * trusted.
   */
  getEntry?(key: string): Promise<TokenCacheEntry | undefined>;
  /**
   * Tries to become the only refresher of `key` for `leaseMs` (the lease ends by itself if the
   * holder dies). Resolves a release function when elected, undefined when another holds it.
   * Handlers ask for a lease that covers a whole credential call, and waiting handlers call this
   * again from time to time: getting the lock is how they learn the refresher is gone.
   */
  acquireRefreshLock(key: string, leaseMs: number): Promise<ReleaseLock | undefined>;
  /**
   * Optional: one attempt in one round trip (atomic): the token under `key` when it is not
   * `known` (the token string the caller holds or refused), else the refresh lock for `leaseMs`
   * when nobody holds it. Without it, handlers read and then call `acquireRefreshLock`.
   */
  getOrLock?(key: string, leaseMs: number, known?: string): Promise<TokenCacheClaim>;
  /**
   * Optional: resolves when a token is next stored under `key` (by any process), or after
   * `timeoutMs` at the latest; never rejects. Handlers without a usable token wait on it between
   * attempts instead of only sleeping; without it, they back off.
   */
  waitForToken?(key: string, timeoutMs: number): Promise<void>;
}

/**
 * A {@link TokenCache} in this process's memory: handlers sharing it share one token and one
 * refresh. For several handlers of one credential in one process, and for tests.
 *
 * @example
 * ```ts
 * const cache = createMemoryTokenCache();
 * const a = new ProxyAuthHandler({ credential, scope, cache, cacheKey: "team-a" });
 * ```
 *
 * @param now - The cache's clock for entries' lifetimes and leases. Default `Date.now`.
 * @param timers - Where `waitForToken`'s timeouts get their timers (a test's clock). Default
 *   the runtime's.
 */
export function createMemoryTokenCache(
  now: () => number = Date.now,
  timers: Timers = systemTimers,
): TokenCache {
  // Each entry ends at a time of this cache's own clock, like a Redis key's TTL.
  const tokens = new Map<string, { token: AccessToken; until: number }>();
  const locks = new Map<string, { owner: symbol; until: number }>();
  // Handlers waiting for a token under a key: woken when one is stored.
  const waiters = new Map<string, Set<() => void>>();
  const entry = (key: string): TokenCacheEntry | undefined => {
    const stored = tokens.get(key);
    if (stored === undefined) return undefined;
    const remainingMs = stored.until - now();
    if (remainingMs > 0) return { token: stored.token, remainingMs };
    tokens.delete(key);
    return undefined;
  };
  return {
    async get(key) {
      return entry(key)?.token;
    },
    async getEntry(key) {
      return entry(key);
    },
    async set(key, token, lifetimeMs) {
      const until = now() + (lifetimeMs ?? token.expiresOn * 1000 - now());
      // A value without a usable expiry stays until replaced: readers validate what they read.
      tokens.set(key, { token, until: Number.isNaN(until) ? Number.POSITIVE_INFINITY : until });
      for (const wake of [...(waiters.get(key) ?? [])]) wake();
    },
    async getOrLock(key, leaseMs, known) {
      const stored = entry(key);
      if (stored !== undefined && stored.token?.token !== known) return { entry: stored };
      const release = lock(key, leaseMs);
      return release === undefined ? {} : { release };
    },
    async waitForToken(key, timeoutMs) {
      await new Promise<void>((resolve) => {
        const timer = timers.set(done, timeoutMs);
        function done() {
          timers.clear(timer);
          const forKey = waiters.get(key);
          forKey?.delete(done);
          if (forKey?.size === 0) waiters.delete(key);
          resolve();
        }
        const forKey = waiters.get(key) ?? new Set<() => void>();
        forKey.add(done);
        waiters.set(key, forKey);
      });
    },
    async acquireRefreshLock(key, leaseMs) {
      return lock(key, leaseMs);
    },
  };
  function lock(key: string, leaseMs: number): ReleaseLock | undefined {
    const held = locks.get(key);
    if (held !== undefined && held.until > now()) return undefined;
    const owner = Symbol(key);
    locks.set(key, { owner, until: now() + leaseMs });
    return async (holdMs) => {
      if (locks.get(key)?.owner !== owner) return;
      if (holdMs !== undefined && holdMs > 0) locks.set(key, { owner, until: now() + holdMs });
      else locks.delete(key);
    };
  }
}
