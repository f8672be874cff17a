import type { AccessToken } from "./access-token.js";
import { backoffDelayMs, probeDelayMs } from "./backoff.js";
import { asProxyAuthError, retryAfter } from "./engine/as-proxy-auth-error.js";
import { bearerHeaders } from "./engine/bearer-headers.js";
import { CredentialSource } from "./engine/credential-source.js";
import { EventListeners } from "./engine/event-listeners.js";
import { failureMessage } from "./engine/failure-message.js";
import { rescheduleRefresh, type ScheduledToken } from "./engine/token-schedule.js";
import type { TokenSource } from "./engine/token-source.js";
import { waitFor } from "./engine/wait-for.js";
import { ConfigurationError, ProxyAuthError, TokenAcquisitionError } from "./errors.js";
import { FleetSource } from "./fleet/fleet-source.js";
import { sharedCacheKey } from "./fleet/shared-cache-key.js";
import type { ProxyAuthEventListener, ProxyAuthRequestEvent } from "./proxy-auth-event.js";
import {
  type ProxyAuthHandlerOptions,
  type ResolvedHandlerOptions,
  resolveHandlerOptions,
} from "./proxy-auth-handler-options.js";
import type { TokenAuthorization } from "./token-authorization.js";
import type { GetTokenOptions, TokenCredential } from "./token-credential.js";

interface Failure {
  readonly error: ProxyAuthError;
  /** Consecutive failures, for the backoff exponent. */
  readonly count: number;
  /** No background refresh (a usable token is served) before this (clock milliseconds). */
  readonly retryAt: number;
  /** No new credential call for callers without a usable token before this (clock milliseconds). */
  readonly probeAt: number;
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
  /** Where tokens come from: the credential, or a fleet sharing a cache around it. */
  readonly #source: TokenSource;
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
    const credentials = new CredentialSource(this.#options);
    this.#source =
      cache === undefined
        ? credentials
        : new FleetSource({
            credentials,
            cache,
            // The scope is always part of the key: one identity, many scopes, many tokens.
            key: () => sharedCacheKey(this.credential, cacheKey, this.scope),
            timeoutMs: this.#options.cacheTimeoutMs,
            timers: this.#options.timers,
            waitMs: this.#options.cacheWaitMs,
            // The refresh lock's lease covers a whole credential call and the publishing after it.
            leaseMs: this.#options.credentialTimeoutMs + 2 * this.#options.cacheTimeoutMs,
            now: this.#now,
            sleep: this.#options.sleep,
            random: this.#options.random,
            logger: this.#options.logger,
            scope: this.scope,
          });
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
    if (cached !== undefined) this.#source.refused(cached.accessToken.token);
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
    if (this.#flight === undefined && failure !== undefined && now < failure.probeAt) {
      throw failure.error;
    }
    const { maxTokenWaitMs, timers } = this.#options;
    return waitFor(this.#refresh(), signal, maxTokenWaitMs, this.scope, timers);
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
    // Retries inside one flight only open a failure episode; after that, callers' probes pace it.
    const episodeOpen = this.#failure !== undefined;
    for (let attempt = 1; ; attempt++) {
      const startedAt = this.#now();
      try {
        const held = this.#cached;
        const serving = held !== undefined && startedAt < held.usableUntil;
        const answer = await this.#source.next({ held, serving, deadline });
        if ("lookAgainAt" in answer) {
          return this.#lookAgainLater(held as ScheduledToken, answer.lookAgainAt, generation);
        }
        const { token, origin: source } = answer;
        const now = this.#now();
        if (generation === this.#generation) {
          this.#cached = token;
          this.#failure = undefined;
          this.#warnedThisEpisode = false;
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
        const cached = this.#cached;
        const serving = cached !== undefined && now < cached.usableUntil;
        const { random } = this.#options;
        const backoffMs = backoffDelayMs(count, retry, random, retryAfter(error));
        // With no usable token, a transient failure is probed again about once a second
        // (rule 7); the long backoff spares a provider while a valid token is still served.
        const probeMs = retryable ? probeDelayMs(retry, random, retryAfter(error)) : backoffMs;
        const delayMs = serving ? backoffMs : probeMs;
        if (generation === this.#generation) {
          this.#failure = { error, count, retryAt: now + backoffMs, probeAt: now + probeMs };
        }
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
          !episodeOpen &&
          attempt < retry.attempts &&
          backoffMs <= retry.maxBlockingDelayMs &&
          now + backoffMs < deadline
        ) {
          logger.debug?.("Token request failed; retrying", {
            scope: this.scope,
            code: error.code,
            attempt,
            retryInMs: backoffMs,
          });
          await this.#options.sleep(backoffMs);
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
  #lookAgainLater(held: ScheduledToken, at: number, generation: number): ScheduledToken {
    const now = this.#now();
    const token = rescheduleRefresh(held, at);
    if (generation === this.#generation && this.#cached === held) this.#cached = token;
    this.#options.logger.debug?.("Another process is refreshing; serving the cached token", {
      scope: this.scope,
      lookAgainInMs: Math.round(token.refreshAt - now),
    });
    return token;
  }

  /** One warning per failure episode (until the next success); debug lines after that. */
  #report(error: ProxyAuthError, serving: ScheduledToken | undefined, delayMs: number): void {
    const { logger, onTokenError } = this.#options;
    const message = failureMessage(error, this.scope, serving, delayMs, onTokenError);
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
