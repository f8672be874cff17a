import { type AccessToken, validateAccessToken } from "../access-token.js";
import { probeDelayMs } from "../backoff.js";
import type { CredentialSource } from "../engine/credential-source.js";
import { lookAgainAt, type ScheduledToken, spreadRefresh } from "../engine/token-schedule.js";
import type { TokenAnswer, TokenRequest, TokenSource } from "../engine/token-source.js";
import { TokenAcquisitionError } from "../errors.js";
import type { Logger } from "../logger.js";
import { Deadline } from "../shared/deadline.js";
import type { Timers } from "../timers.js";
import type { ReleaseLock, TokenCache, TokenCacheEntry } from "../token-cache.js";

/** A waiting handler's first pause between attempts; each further pause doubles it. */
const FIRST_PAUSE_MS = 100;

/** How long after a lease's stated end a waiter looks again (Redis expires keys to the ms). */
const LAPSE_MARGIN_MS = 20;

/** A cache operation that failed or took too long: the cache counts as down. */
class CacheFailure {
  constructor(readonly cause: unknown) {}
}

/** What {@link FleetSource} needs: the credential source it wraps, the cache and the timings. */
export interface FleetSourceOptions {
  credentials: CredentialSource;
  cache: TokenCache;
  key: () => Promise<string>;
  timeoutMs: number;
  /** Where the cache operations' timeouts get their timers. */
  timers: Timers;
  /** How often a waiting handler checks that the refresher's lease is still held. */
  waitMs: number;
  /** The refresh lock's lease: long enough for one whole credential call and the publishing. */
  leaseMs: number;
  now: () => number;
  sleep: (milliseconds: number) => Promise<void>;
  /** Random numbers in [0, 1), for the jitter of waiting handlers' pauses and the spread. */
  random: () => number;
  logger: Logger;
  scope: string;
}

/**
 * Gets a handler its next token through a shared cache: the fleet's token when a newer one is
 * there; else, if elected refresher, one from the credential, published for the others; else
 * the refresher's token once published. Each attempt is one round trip with a cache that has
 * `getOrLock` ("a newer token, or the lock if nobody holds it"). A handler that still has a
 * usable token never waits for another process's refresh: it keeps serving and looks again
 * later. A handler without one waits, between attempts, on the cache's notification of a newly
 * stored token or a backoff, for as long as the refresher's lease is held (it covers a whole
 * credential call, so a slow provider does not set off a storm of grants); an attempt that gets
 * the lock means the refresher is gone, and the waiter refreshes itself. When the cache is down
 * or slow, the handler gets its own token, with one warning per outage.
 *
 * Only durations cross processes: the writer stores the token's remaining lifetime by its own
 * clock, and a reader keeps the smaller of the stated expiry and the entry's remaining lifetime,
 * so a process whose clock is wrong cannot make the others serve an expired token.
 */
export class FleetSource implements TokenSource {
  readonly #options: FleetSourceOptions;
  #key: Promise<string> | undefined;
  #down = false;
  /** This handler's own point in every refresh window, in [0, 1): drawn once. */
  readonly #spread: number;
  /** Looks that found another process refreshing since this source last gave a token. */
  #looks = 0;
  /** The last token the handler refused: never taken back from the cache. */
  #refused: string | undefined;

  constructor(options: FleetSourceOptions) {
    this.#options = options;
    // Handlers sharing a token refresh one by one, each at its own point of the window.
    this.#spread = options.random();
  }

  refused(token: string): void {
    this.#refused = token;
  }

  /**
   * The fleet's token when a newer one is stored; else, if elected refresher, one from the
   * credential, published; else, while the handler still serves a usable token, the time to look
   * again; else the refresher's token once published (waiting at most until the deadline).
   *
   * @throws {@link TokenAcquisitionError} (retryable) when another process still holds the
   *   refresh lock at the deadline.
   */
  async next(request: TokenRequest): Promise<TokenAnswer> {
    const answer = await this.#obtain(request);
    if ("lookAgainAt" in answer) return answer;
    this.#looks = 0;
    return { token: spreadRefresh(answer.token, this.#spread), origin: answer.origin };
  }

  async #obtain(request: TokenRequest): Promise<TokenAnswer> {
    const { cache, waitMs, leaseMs, now, logger, scope, credentials } = this.#options;
    const { held, deadline } = request;
    const fetchToken = () => credentials.fetch(deadline);
    const known = held?.accessToken.token ?? this.#refused;
    try {
      this.#key ??= this.#options.key();
      const key = await this.#key;
      // A lease always ends, so this bound is only for a cache that does not honour leases.
      const giveUpAt = now() + leaseMs + waitMs;
      for (let pauses = 0; ; pauses++) {
        const { token, release, lockRemainingMs } = await this.#claim(key, known);
        this.#up(undefined);
        if (release !== undefined) return await this.#refresh(key, release, fetchToken);
        if (token !== undefined) {
          const shared = this.#accept(token, held);
          if (shared !== undefined) return { token: shared, origin: "shared-cache" };
          // A stored token this handler cannot use (malformed, expired): refresh over it.
          const lock = await this.#op(cache.acquireRefreshLock(key, leaseMs));
          if (lock !== undefined) return await this.#refresh(key, lock, fetchToken);
        }
        if (request.serving && held !== undefined) {
          return { lookAgainAt: lookAgainAt(held, now(), ++this.#looks, this.#options.random) };
        }
        if (now() >= giveUpAt) break;
        if (now() >= deadline) throw this.#stillLocked();
        await this.#pause(key, pauses, Math.min(giveUpAt, deadline), lockRemainingMs);
      }
      logger.debug?.("Shared refresh did not publish while its lease lasted; fetching directly", {
        scope,
        leaseMs,
      });
    } catch (error) {
      if (!(error instanceof CacheFailure)) throw error;
      this.#fail(error);
    }
    return { token: await fetchToken(), origin: "credential" };
  }

  /**
   * What another process stored is checked like what a credential returns; it is taken (as the
   * validated, scheduled copy) when it is not the token held nor the one refused, and usable.
   */
  #accept(shared: AccessToken, held: ScheduledToken | undefined): ScheduledToken | undefined {
    const nowMs = this.#options.now();
    let token: AccessToken;
    try {
      token = validateAccessToken(shared, nowMs / 1000);
    } catch {
      return undefined;
    }
    if (token.token === held?.accessToken.token || token.token === this.#refused) return undefined;
    const scheduled = this.#options.credentials.schedule(token, nowMs);
    return scheduled.usableUntil > nowMs ? scheduled : undefined;
  }

  /**
   * One attempt: the stored token unless it is `known`, else the refresh lock if it is free.
   * One round trip with a cache that has `getOrLock`.
   */
  async #claim(
    key: string,
    known: string | undefined,
  ): Promise<{ token?: AccessToken; release?: ReleaseLock; lockRemainingMs?: number }> {
    const { cache, leaseMs, now } = this.#options;
    if (cache.getOrLock !== undefined) {
      const { entry, release, lockRemainingMs } = await this.#op(
        cache.getOrLock(key, leaseMs, known),
      );
      if (entry !== undefined) return { token: withinLifetime(entry, now()) };
      if (release !== undefined) return { release };
      return typeof lockRemainingMs === "number" && lockRemainingMs > 0 ? { lockRemainingMs } : {};
    }
    const stored = await this.#read(key);
    if (stored !== undefined && stored.token !== known) return { token: stored };
    const release = await this.#op(cache.acquireRefreshLock(key, leaseMs));
    return release === undefined ? {} : { release };
  }

  /**
   * A waiting handler's pause before its next attempt: backoff (100 ms, doubled each time, at
   * most `waitMs`, with jitter), no later than just after the holder's lease would lapse (when
   * the cache tells), cut short when the cache tells of a newly stored token.
   */
  async #pause(
    key: string,
    pauses: number,
    giveUpAt: number,
    lockRemainingMs: number | undefined,
  ): Promise<void> {
    const { cache, waitMs, now, sleep, random } = this.#options;
    const stepMs = Math.min(waitMs, FIRST_PAUSE_MS * 2 ** pauses, Math.max(1, giveUpAt - now()));
    const jitteredMs = Math.ceil(stepMs * (0.5 + random() / 2));
    const delayMs =
      lockRemainingMs === undefined
        ? jitteredMs
        : Math.min(jitteredMs, Math.ceil(lockRemainingMs) + LAPSE_MARGIN_MS);
    if (cache.waitForToken === undefined) return sleep(delayMs);
    // The notification is best effort: a cache that fails to deliver it leaves the backoff.
    const notified = cache.waitForToken(key, delayMs).catch(() => new Promise<void>(() => {}));
    await Promise.race([sleep(delayMs), notified]);
  }

  /**
   * As the elected refresher: a token from the credential, published with its lifetime. When
   * the credential fails, the lock is held for one probe interval more, so a fleet without a
   * token probes the provider about once a second in all, not once a second per process.
   */
  async #refresh(
    key: string,
    release: ReleaseLock,
    fetchToken: () => Promise<ScheduledToken>,
  ): Promise<TokenAnswer> {
    let failed = false;
    try {
      const token = await fetchToken();
      const { accessToken } = token;
      const lifetimeMs = accessToken.expiresOn * 1000 - this.#options.now();
      await this.#op(this.#options.cache.set(key, accessToken, lifetimeMs)).catch(
        (failure: unknown) => this.#fail(failure),
      );
      return { token, origin: "credential" };
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      this.#release(release, failed);
    }
  }

  /** Gives up the lock: at once, or after a failure, once one probe interval has passed. */
  #release(release: ReleaseLock, failed: boolean): void {
    const holdMs = failed ? probeDelayMs({ maxRetryAfterSeconds: 0 }, this.#options.random) : 0;
    this.#op(release(holdMs)).catch(() => {});
  }

  /** The wait for another process's refresh reached the callers' bound. */
  #stillLocked(): TokenAcquisitionError {
    return new TokenAcquisitionError(
      `No token for scope "${this.#options.scope}" within maxTokenWaitMs: another process holds the refresh lock of the shared cache and has not published a token yet.`,
      { retryable: true },
    );
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
    return new Deadline(timeoutMs, undefined, this.#options.timers).race(
      failing,
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
