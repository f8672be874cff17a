import { type AccessToken, validateAccessToken } from "./access-token.js";
import { backoffDelayMs } from "./backoff.js";
import { bearerHeaders } from "./bearer-headers.js";
import { ConfigurationError, ProxyAuthError, TokenAcquisitionError } from "./errors.js";
import { EventListeners } from "./event-listeners.js";
import type { ProxyAuthEventListener, ProxyAuthRequestEvent } from "./proxy-auth-event.js";
import {
  type ProxyAuthHandlerOptions,
  type ResolvedHandlerOptions,
  resolveHandlerOptions,
} from "./proxy-auth-handler-options.js";
import { redact } from "./redact.js";
import { sharedCacheKey } from "./shared-cache-key.js";
import { SharedTokenSource } from "./shared-token-source.js";
import type { TokenAuthorization } from "./token-authorization.js";
import type { GetTokenOptions, TokenCredential } from "./token-credential.js";
import {
  lookAgainAt,
  rescheduleRefresh,
  type ScheduledToken,
  scheduleToken,
  spreadRefresh,
} from "./token-schedule.js";
import { withTimeout } from "./with-timeout.js";

interface Failure {
  readonly error: ProxyAuthError;
  /** Consecutive failures, for the backoff exponent. */
  readonly count: number;
  /** No new credential call before this (clock milliseconds). */
  readonly retryAt: number;
}

interface Flight {
  readonly promise: Promise<ScheduledToken>;
  /** The invalidation generation the flight began in. */
  readonly generation: number;
}

const ignore = () => {};

/**
 * Gets tokens from a credential, caches them, refreshes them ahead of expiry in the background
 * and builds the `Authorization` header: one instance per credential and scope, shared by
 * every request.
 *
 * @example
 * ```ts
 * const handler = new ProxyAuthHandler({
 *   credential: new GenericOAuth2Credential({
 *     clientId: "litellm-client",
 *     clientSecret: process.env.CLIENT_SECRET ?? "",
 *     tokenUrl: "https://idp.example.com/oauth2/token",
 *   }),
 *   scope: "litellm_proxy_api",
 * });
 * const headers = await handler.getAuthHeaders(); // { Authorization: "Bearer eyJ..." }
 * ```
 */
export class ProxyAuthHandler {
  /** The credential tokens come from. */
  readonly credential: TokenCredential;
  /** The scope tokens are requested for. */
  readonly scope: string;
  /** What `getAuthHeaders()` does when no token can be had; clients built on the handler follow it too. */
  readonly onTokenError: "warn" | "throw";

  readonly #options: ResolvedHandlerOptions;
  readonly #now: () => number;
  #cached: ScheduledToken | undefined;
  #flight: Flight | undefined;
  #failure: Failure | undefined;
  #generation = 0;
  #warnedThisEpisode = false;
  #everFetched = false;
  /** The last token invalidated: never taken back from a shared cache. */
  #rejectedToken: string | undefined;
  readonly #shared: SharedTokenSource | undefined;
  /** With a shared cache: this handler's own point in every refresh window, in [0, 1). */
  readonly #spread: number = 0;
  /** Looks that found another process refreshing since this handler last got a token. */
  #looks = 0;
  readonly #events: EventListeners;

  /**
   * @param options - `credential` and `scope` are required; see {@link ProxyAuthHandlerOptions}.
   * @throws {@link ConfigurationError} for missing or malformed options.
   */
  constructor(options: ProxyAuthHandlerOptions) {
    this.#options = resolveHandlerOptions(options);
    this.#now = this.#options.now;
    this.credential = this.#options.credential;
    this.scope = this.#options.scope;
    this.onTokenError = this.#options.onTokenError;
    this.#events = new EventListeners(this.#options.logger, this.#options.onEvent);
    const { cache, cacheKey } = this.#options;
    this.#shared =
      cache === undefined
        ? undefined
        : new SharedTokenSource({
            cache,
            // The scope is always part of the key: one identity, many scopes, many tokens.
            key: () => sharedCacheKey(this.credential, cacheKey, this.scope),
            timeoutMs: this.#options.cacheTimeoutMs,
            waitMs: this.#options.cacheWaitMs,
            // The refresh lock's lease covers a whole credential call and the publishing after it.
            leaseMs: this.#options.credentialTimeoutMs + 2 * this.#options.cacheTimeoutMs,
            now: this.#now,
            sleep: this.#options.sleep,
            random: this.#options.random,
            logger: this.#options.logger,
            scope: this.scope,
          });
    // Handlers sharing a token refresh one by one, each at its own point of the window.
    if (this.#shared !== undefined) this.#spread = this.#options.random();
  }

  /**
   * A valid token, refreshing it if needed. Within the refresh buffer the cached token is
   * returned at once while one background refresh runs; callers wait only when no usable token
   * exists. An aborted `signal` rejects with its reason (the shared request goes on for others).
   *
   * @throws {@link TokenAcquisitionError} when the credential fails and no usable token exists.
   * @throws {@link InvalidTokenError} when the credential returned an unusable token.
   */
  async getToken(options?: GetTokenOptions): Promise<AccessToken> {
    const cached = this.#cached;
    if (cached !== undefined && this.#now() < cached.refreshAt) return cached.accessToken;
    return (await this.#usableToken(options?.signal)).accessToken;
  }

  /**
   * `{ Authorization: "Bearer <token>" }`, a new object on every call. On failure: with
   * `onTokenError: "warn"` resolves `{}` (one warning per failure episode); with `"throw"`
   * rejects with the error. A DPoP-bound token rejects with a `ConfigurationError` (it needs a
   * proof per request, which the clients built on `authorize()` add).
   */
  async getAuthHeaders(options?: GetTokenOptions): Promise<Record<string, string>> {
    const cached = this.#cached;
    if (cached !== undefined && this.#now() < cached.refreshAt) {
      return bearerHeaders(cached);
    }
    const scheduled = await this.#scheduledOrFailure(options?.signal);
    return ProxyAuthError.isInstance(scheduled) ? {} : bearerHeaders(scheduled);
  }

  /**
   * The token for one request, with this handler's failure rule applied once for every client
   * built on it: with `onTokenError: "warn"` a failure resolves `{ error }` (the request goes on
   * without the token, and a 401 it gets can name the cause); with `"throw"` it rejects. An
   * aborted `signal` always rejects with its reason.
   *
   * @example
   * ```ts
   * const { token, error } = await handler.authorize();
   * const headers = token === undefined ? {} : { "x-api-key": token };
   * if (error) console.warn("sending without a token:", error.code);
   * ```
   */
  async authorize(options?: GetTokenOptions): Promise<TokenAuthorization> {
    const cached = this.#cached;
    if (cached !== undefined && this.#now() < cached.refreshAt) {
      return { token: cached.accessToken.token, tokenType: cached.accessToken.tokenType };
    }
    const scheduled = await this.#scheduledOrFailure(options?.signal);
    return ProxyAuthError.isInstance(scheduled)
      ? { error: scheduled }
      : { token: scheduled.accessToken.token, tokenType: scheduled.accessToken.tokenType };
  }

  /**
   * Drops the cached token. With a token string, only if that token is still the cached one, so
   * a burst of 401s for one token costs one new grant. A refresh that began before the
   * invalidation does not satisfy callers after it.
   */
  invalidate(token?: string): void {
    const cached = this.#cached;
    if (token !== undefined && cached?.accessToken.token !== token) return;
    if (cached !== undefined) this.#rejectedToken = cached.accessToken.token;
    this.#cached = undefined;
    this.#generation++;
    this.#options.logger.debug?.("Token invalidated", { scope: this.scope });
    this.#events.emit({ type: "token.invalidated", scope: this.scope });
  }

  /**
   * Adds a listener of this handler's events, as the `onEvent` option does (for instrumenting a
   * handler made elsewhere). Returns a function that removes it.
   *
   * @example
   * ```ts
   * const stop = handler.subscribe((event) => console.log(event.type));
   * ```
   */
  subscribe(listener: ProxyAuthEventListener): () => void {
    if (typeof listener !== "function") {
      throw new ConfigurationError("ProxyAuthHandler.subscribe() needs a function.");
    }
    return this.#events.add(listener);
  }

  /**
   * Reports a request-level event (a 401 replay, a retry, a fallback, a finished call) to this
   * handler's listeners: for clients and adapters built on the handler. Never throws.
   */
  emit(event: ProxyAuthRequestEvent): void {
    this.#events.emit(event);
  }

  /** The slow path with the `onTokenError` rule: "warn" resolves the failure, "throw" rejects. */
  async #scheduledOrFailure(
    signal: AbortSignal | undefined,
  ): Promise<ScheduledToken | ProxyAuthError> {
    try {
      return await this.#usableToken(signal);
    } catch (error) {
      if (this.#options.onTokenError === "throw" || signal?.aborted) throw error;
      return asProxyAuthError(error, this.scope);
    }
  }

  /** The slow path: the token is inside its refresh buffer, unusable or missing. */
  async #usableToken(signal: AbortSignal | undefined): Promise<ScheduledToken> {
    const now = this.#now();
    const cached = this.#cached;
    if (cached !== undefined && now < cached.usableUntil) {
      if (now >= cached.refreshAt) this.#refreshInBackground(now);
      return cached;
    }
    signal?.throwIfAborted();
    const failure = this.#failure;
    if (this.#flight === undefined && failure !== undefined && now < failure.retryAt) {
      throw failure.error;
    }
    return waitFor(this.#refresh(), signal, this.#options.maxTokenWaitMs, this.scope);
  }

  #refreshInBackground(now: number): void {
    if (this.#flight !== undefined) return;
    const failure = this.#failure;
    if (failure !== undefined && now < failure.retryAt) return;
    this.#refresh();
  }

  /** Single flight: joins the request in flight, or starts one (after any pre-invalidation one). */
  #refresh(): Promise<ScheduledToken> {
    const current = this.#flight;
    const generation = this.#generation;
    if (current !== undefined && current.generation === generation) return current.promise;
    let flight: Flight | undefined;
    const promise = (async () => {
      try {
        // Keep one credential call at a time even across an invalidation.
        if (current !== undefined) await current.promise.catch(ignore);
        return await this.#acquire(generation);
      } finally {
        if (this.#flight === flight) this.#flight = undefined;
      }
    })();
    flight = { generation, promise };
    // Background refreshes have no caller: a failure is logged, never an unhandled rejection.
    promise.catch(ignore);
    this.#flight = flight;
    return promise;
  }

  /** Calls the credential, retrying transient failures while no usable token exists. */
  async #acquire(generation: number): Promise<ScheduledToken> {
    const { logger, retry, maxTokenWaitMs } = this.#options;
    // Every attempt and every wait between attempts fits inside one bound.
    const deadline = this.#now() + maxTokenWaitMs;
    for (let attempt = 1; ; attempt++) {
      const startedAt = this.#now();
      try {
        const held = this.#cached;
        const serving = held !== undefined && startedAt < held.usableUntil;
        const next = await this.#nextToken(deadline - startedAt, !serving);
        if (next === undefined) return this.#lookAgainLater(held as ScheduledToken, generation);
        const { accessToken, source } = next;
        const now = this.#now();
        const token = spreadRefresh(
          scheduleToken(
            accessToken,
            now,
            this.#options.refreshBufferSeconds,
            this.#options.expiryMarginSeconds,
          ),
          this.#spread,
        );
        if (generation === this.#generation) {
          this.#cached = token;
          this.#failure = undefined;
          this.#warnedThisEpisode = false;
          this.#looks = 0;
        }
        logger.debug?.(this.#everFetched ? "Token refreshed" : "Token fetched", {
          scope: this.scope,
          expiresOn: token.accessToken.expiresOn,
          refreshAt: token.refreshAt / 1000,
          durationMs: now - startedAt,
        });
        this.#everFetched = true;
        this.#events.emit({
          type: "token.acquired",
          scope: this.scope,
          source,
          durationMs: now - startedAt,
          expiresOn: token.accessToken.expiresOn,
          attempt,
        });
        return token;
      } catch (caught) {
        const error = asProxyAuthError(caught, this.scope);
        const now = this.#now();
        const count = (this.#failure?.count ?? 0) + 1;
        const retryable = TokenAcquisitionError.isInstance(error) && error.retryable;
        const delayMs = backoffDelayMs(count, retry, this.#options.random, retryAfter(error));
        if (generation === this.#generation) {
          this.#failure = { error, count, retryAt: now + delayMs };
        }
        const cached = this.#cached;
        const serving = cached !== undefined && now < cached.usableUntil;
        const status = (error as TokenAcquisitionError).status;
        this.#events.emit({
          type: "token.failed",
          scope: this.scope,
          code: error.code,
          ...(status === undefined ? {} : { status }),
          retryable,
          durationMs: now - startedAt,
          servingCached: serving,
          attempt,
        });
        if (
          !serving &&
          retryable &&
          attempt < retry.attempts &&
          delayMs <= retry.maxBlockingDelayMs &&
          now + delayMs < deadline
        ) {
          logger.debug?.("Token request failed; retrying", {
            scope: this.scope,
            code: error.code,
            attempt,
            retryInMs: delayMs,
          });
          await this.#options.sleep(delayMs);
          continue;
        }
        this.#report(error, serving ? cached : undefined, delayMs);
        throw error;
      }
    }
  }

  /**
   * Another process is refreshing and this handler's token is still usable: it keeps serving
   * it, with no I/O, until it looks again (backing off on each look).
   */
  #lookAgainLater(held: ScheduledToken, generation: number): ScheduledToken {
    const now = this.#now();
    const token = rescheduleRefresh(
      held,
      lookAgainAt(held, now, ++this.#looks, this.#options.random),
    );
    if (generation === this.#generation && this.#cached === held) this.#cached = token;
    this.#options.logger.debug?.("Another process is refreshing; serving the cached token", {
      scope: this.scope,
      lookAgainInMs: Math.round(token.refreshAt - now),
    });
    return token;
  }

  /**
   * A validated token: from the credential, or through the shared cache when there is one;
   * undefined when this handler need not `wait` and another process is refreshing.
   */
  async #nextToken(
    budgetMs: number,
    wait: boolean,
  ): Promise<{ accessToken: AccessToken; source: "credential" | "shared-cache" } | undefined> {
    const fetchToken = async () =>
      validateAccessToken(await this.#callCredential(budgetMs), this.#now() / 1000);
    if (this.#shared === undefined) {
      return { accessToken: await fetchToken(), source: "credential" };
    }
    let taken: AccessToken | undefined;
    const known = this.#cached?.accessToken.token ?? this.#rejectedToken;
    const accessToken = await this.#shared.obtain(
      fetchToken,
      (shared) => {
        taken = this.#acceptShared(shared);
        return taken;
      },
      { known, wait },
    );
    if (accessToken === undefined) return undefined;
    return { accessToken, source: accessToken === taken ? "shared-cache" : "credential" };
  }

  /**
   * What another process stored is checked like what a credential returns; it is taken (as the
   * validated copy) when it is newer than the token held and not one this handler refused.
   */
  #acceptShared(shared: AccessToken): AccessToken | undefined {
    const now = this.#now();
    let token: AccessToken;
    try {
      token = validateAccessToken(shared, now / 1000);
    } catch {
      return undefined;
    }
    if (token.token === this.#cached?.accessToken.token || token.token === this.#rejectedToken) {
      return undefined;
    }
    const { refreshBufferSeconds, expiryMarginSeconds } = this.#options;
    const usable =
      scheduleToken(token, now, refreshBufferSeconds, expiryMarginSeconds).usableUntil > now;
    return usable ? token : undefined;
  }

  /**
   * Runs the credential with a timeout (`credentialTimeoutMs`, cut to what is left of the wait
   * bound); its timer never keeps the process alive.
   */
  #callCredential(budgetMs: number): Promise<unknown> {
    const { credential } = this.#options;
    const credentialTimeoutMs = Math.max(
      1,
      Math.min(this.#options.credentialTimeoutMs, Math.ceil(budgetMs)),
    );
    const controller = new AbortController();
    // Called synchronously (a throw becomes a rejection), so the request starts at once.
    const work = new Promise<unknown>((resolve) =>
      resolve(credential.getToken(this.scope, { signal: controller.signal })),
    );
    return withTimeout(work, credentialTimeoutMs, () => {
      const error = new TokenAcquisitionError(
        `The credential did not return a token for scope "${this.scope}" within ${credentialTimeoutMs} ms.`,
        { retryable: true },
      );
      controller.abort(error);
      return error;
    });
  }

  /** One warning per failure episode (until the next success); debug lines after that. */
  #report(error: ProxyAuthError, serving: ScheduledToken | undefined, delayMs: number): void {
    const { logger, onTokenError } = this.#options;
    // The same delay as the `retryInMs` beside it: "57 ms", "1.5 s".
    const wait = delayMs < 1000 ? `${delayMs} ms` : `${Math.round(delayMs / 100) / 10} s`;
    const message =
      serving !== undefined
        ? `Token refresh for scope "${this.scope}" failed: ${error.message} Still serving the cached token (expires ${new Date(serving.accessToken.expiresOn * 1000).toISOString()}); next attempt in ${wait} or later.`
        : `Could not obtain a token for scope "${this.scope}": ${error.message} ${
            onTokenError === "warn"
              ? "Requests go on without an Authorization header"
              : "Requests fail"
          } until a token is obtained; next attempt in ${wait} or later.`;
    const meta = {
      scope: this.scope,
      code: error.code,
      status: (error as TokenAcquisitionError).status,
      retryInMs: delayMs,
    };
    if (this.#warnedThisEpisode) {
      logger.debug?.(message, meta);
    } else {
      this.#warnedThisEpisode = true;
      logger.warn(message, meta);
    }
  }
}

function retryAfter(error: ProxyAuthError): number | undefined {
  return TokenAcquisitionError.isInstance(error) ? error.retryAfterSeconds : undefined;
}

/** Credentials may throw anything; callers always get a ProxyAuthError (the original as `cause`). */
function asProxyAuthError(caught: unknown, scope: string): ProxyAuthError {
  if (ProxyAuthError.isInstance(caught)) return caught;
  // A third-party credential's message may carry a provider's text: bounded and redacted.
  const reason = redact(
    caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught),
  );
  return new TokenAcquisitionError(
    `The credential failed to get a token for scope "${scope}" (${reason}).`,
    {
      cause: caught,
    },
  );
}

/**
 * Waits for the shared flight, at most `maxWaitMs` (the flight goes on for others), and lets
 * this caller stop waiting when its signal aborts.
 */
function waitFor<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  maxWaitMs: number,
  scope: string,
): Promise<T> {
  const bounded = withTimeout(
    promise,
    maxWaitMs,
    () =>
      new TokenAcquisitionError(
        `No token for scope "${scope}" within ${maxWaitMs} ms (maxTokenWaitMs); the identity provider or the token cache is too slow.`,
        { retryable: true },
      ),
  );
  if (signal === undefined) return bounded;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    bounded.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
