import type { AccessToken } from "./access-token.js";
import type { Logger } from "./logger.js";
import type { TokenCache } from "./token-cache.js";
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
  waitMs: number;
  now: () => number;
  sleep: (milliseconds: number) => Promise<void>;
  logger: Logger;
  scope: string;
}

/**
 * Gets a handler its next token through a shared cache: the fleet's token when a newer one is
 * there; else, if elected refresher, one from the credential, published for the others; else
 * the refresher's token once published (waiting at most `waitMs`). When the cache is down or
 * slow, the handler gets its own token, with one warning per outage.
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
    const { cache, waitMs, now, sleep, logger, scope } = this.#options;
    try {
      this.#key ??= this.#options.key();
      const key = await this.#key;
      const stored = await this.#op(cache.get(key));
      const shared = stored === undefined ? undefined : accept(stored);
      if (shared !== undefined) return this.#up(shared);
      const release = await this.#op(cache.acquireRefreshLock(key, waitMs * 2));
      this.#up(undefined);
      if (release !== undefined) {
        try {
          const token = await fetchToken();
          await this.#op(cache.set(key, token)).catch((failure: unknown) => this.#fail(failure));
          return token;
        } finally {
          this.#op(release()).catch(() => {});
        }
      }
      for (const deadline = now() + waitMs; now() < deadline; ) {
        await sleep(POLL_MS);
        const published = await this.#op(cache.get(key));
        const token = published === undefined ? undefined : accept(published);
        if (token !== undefined) return token;
      }
      logger.debug?.("Shared refresh did not publish in time; fetching directly", {
        scope,
        waitMs,
      });
    } catch (error) {
      if (!(error instanceof CacheFailure)) throw error;
      this.#fail(error);
    }
    return fetchToken();
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
