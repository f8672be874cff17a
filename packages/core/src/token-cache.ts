import type { AccessToken } from "./access-token.js";

/** Gives up the refresh lock taken with {@link TokenCache.acquireRefreshLock}. */
export type ReleaseLock = () => Promise<void>;

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
  /** Stores `token` under `key` until it expires. */
  set(key: string, token: AccessToken): Promise<void>;
  /**
   * Tries to become the only refresher of `key` for `leaseMs` (the lease ends by itself if the
   * holder dies). Resolves a release function when elected, undefined when another holds it.
   */
  acquireRefreshLock(key: string, leaseMs: number): Promise<ReleaseLock | undefined>;
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
 */
export function createMemoryTokenCache(now: () => number = Date.now): TokenCache {
  const tokens = new Map<string, AccessToken>();
  const locks = new Map<string, { owner: symbol; until: number }>();
  return {
    async get(key) {
      const token = tokens.get(key);
      if (token !== undefined && token.expiresOn * 1000 <= now()) {
        tokens.delete(key);
        return undefined;
      }
      return token;
    },
    async set(key, token) {
      tokens.set(key, token);
    },
    async acquireRefreshLock(key, leaseMs) {
      const held = locks.get(key);
      if (held !== undefined && held.until > now()) return undefined;
      const owner = Symbol(key);
      locks.set(key, { owner, until: now() + leaseMs });
      return async () => {
        if (locks.get(key)?.owner === owner) locks.delete(key);
      };
    },
  };
}
