import type { AccessToken } from "./access-token.js";
import type { Logger } from "./logger.js";
import type { ReleaseLock, TokenCache, TokenCacheEntry } from "./token-cache.js";
import { withTimeout } from "./with-timeout.js";

/** How often a waiting handler looks for the token another process is fetching. */
const POLL_MS = 50;

/** A cache operation that failed or took too long: the cache counts as down. */
class CacheFailure {
  constructor(readonly cause: unknown) {}
}

/** What {@link SharedTokenSource} needs from its handler. */
export interface SharedTokenSourceOptions {
  cache: TokenCache;
  key: () => Promise<string>;
  timeoutMs: number;
  /** How often a waiting handler checks that the refresher's lease is still held. */
  waitMs: number;
  /** The refresh lock's lease: long enough for one whole credential call and the publishing. */
  leaseMs: number;
  now: () => number;
  sleep: (milliseconds: number) => Promise<void>;
  logger: Logger;
  scope: string;
}

/**
 * Gets a handler its next token through a shared cache: the fleet's token when a newer one is
 * there; else, if elected refresher, one from the credential, published for the others; else
 * the refresher's token once published. Waiters keep waiting while the refresher's lease is
 * held (it covers a whole credential call, so a slow provider does not set off a storm of
 * grants); a waiter that gets the lock knows the refresher is gone and refreshes itself. When
 * the cache is down or slow, the handler gets its own token, with one warning per outage.
 *
 * Only durations cross processes: the writer stores the token's remaining lifetime by its own
 * clock, and a reader keeps the smaller of the stated expiry and the entry's remaining lifetime,
 * so a process whose clock is wrong cannot make the others serve an expired token.
 */
export class SharedTokenSource {
  readonly #options: SharedTokenSourceOptions;
  #key: Promise<string> | undefined;
  #down = false;

  constructor(options: SharedTokenSourceOptions) {
    this.#options = options;
  }

  /**
   * @param fetchToken - Gets a validated token from the credential.
   * @param accept - The validated shared token when it may be used instead (newer than the one
   *   held), else undefined.
   */
  async obtain(
    fetchToken: () => Promise<AccessToken>,
    accept: (token: AccessToken) => AccessToken | undefined,
  ): Promise<AccessToken> {
    const { cache, waitMs, leaseMs, now, sleep, logger, scope } = this.#options;
    try {
      this.#key ??= this.#options.key();
      const key = await this.#key;
      const stored = await this.#read(key);
      const shared = stored === undefined ? undefined : accept(stored);
      if (shared !== undefined) return this.#up(shared);
      // A lease always ends, so this bound is only for a cache that does not honour leases.
      const giveUpAt = now() + leaseMs + waitMs;
      for (let checkLockAt = now(); ; ) {
        if (now() >= checkLockAt) {
          const release = await this.#op(cache.acquireRefreshLock(key, leaseMs));
          this.#up(undefined);
          if (release !== undefined) return await this.#refresh(key, release, fetchToken);
          checkLockAt = now() + waitMs;
        }
        if (now() >= giveUpAt) break;
        await sleep(POLL_MS);
        const published = await this.#read(key);
        const token = published === undefined ? undefined : accept(published);
        if (token !== undefined) return token;
      }
      logger.debug?.("Shared refresh did not publish while its lease lasted; fetching directly", {
        scope,
        leaseMs,
      });
    } catch (error) {
      if (!(error instanceof CacheFailure)) throw error;
      this.#fail(error);
    }
    return fetchToken();
  }

  /** As the elected refresher: a token from the credential, published with its lifetime. */
  async #refresh(
    key: string,
    release: ReleaseLock,
    fetchToken: () => Promise<AccessToken>,
  ): Promise<AccessToken> {
    try {
      const token = await fetchToken();
      const lifetimeMs = token.expiresOn * 1000 - this.#options.now();
      await this.#op(this.#options.cache.set(key, token, lifetimeMs)).catch((failure: unknown) =>
        this.#fail(failure),
      );
      return token;
    } finally {
      this.#op(release()).catch(() => {});
    }
  }

  /** The shared token, its expiry bounded by the entry's remaining lifetime when the cache knows it. */
  async #read(key: string): Promise<AccessToken | undefined> {
    const { cache, now } = this.#options;
    if (cache.getEntry === undefined) return this.#op(cache.get(key));
    const entry = await this.#op(cache.getEntry(key));
    return entry === undefined ? undefined : withinLifetime(entry, now());
  }

  /** A cache call bounded by the timeout; its failures become CacheFailures. */
  #op<T>(operation: Promise<T>): Promise<T> {
    const { timeoutMs } = this.#options;
    const failing = operation.catch((error: unknown) => {
      throw new CacheFailure(error);
    });
    return withTimeout(
      failing,
      timeoutMs,
      () => new CacheFailure(new Error(`no answer within ${timeoutMs} ms`)),
    );
  }

  #fail(failure: unknown): void {
    if (this.#down) return;
    this.#down = true;
    const cause = failure instanceof CacheFailure ? failure.cause : failure;
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.#options.logger.warn(
      `Token cache unavailable (${reason}); this handler gets its own tokens until the cache answers again.`,
      { scope: this.#options.scope },
    );
  }

  #up<T>(value: T): T {
    if (this.#down) {
      this.#down = false;
      this.#options.logger.info?.("Token cache answers again; sharing tokens.", {
        scope: this.#options.scope,
      });
    }
    return value;
  }
}

/**
 * The token with `expiresOn` no later than now plus the entry's remaining lifetime. When that
 * moves the expiry earlier, the writer's clock ran ahead of this one: `refreshAfter` is moved
 * by the same amount. Anything malformed is passed on for validation to refuse.
 */
function withinLifetime({ token, remainingMs }: TokenCacheEntry, nowMs: number): AccessToken {
  const byLifetime = (nowMs + remainingMs) / 1000;
  const stated = (token as Partial<AccessToken> | null)?.expiresOn;
  if (typeof stated !== "number" || !Number.isFinite(remainingMs) || stated <= byLifetime) {
    return token;
  }
  const shifted: AccessToken = { ...token, expiresOn: byLifetime };
  if (token.refreshAfter !== undefined)
    shifted.refreshAfter = token.refreshAfter - (stated - byLifetime);
  return shifted;
}
