import type { RetryOptions } from "./backoff.js";
import { ConfigurationError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { ProxyAuthEventListener } from "./proxy-auth-event.js";
import {
  describeValue,
  functionOption as fn,
  loggerOption,
  numberOption as number,
  optionError,
} from "./shared/option-checks.js";
import { sleep } from "./shared/sleep.js";
import { keepAliveTimers, systemTimers, type Timers } from "./timers.js";
import type { TokenCache } from "./token-cache.js";
import type { TokenCredential } from "./token-credential.js";

const OWNER = "ProxyAuthHandler";

/** `refreshBufferSeconds` when not given: the one home of this default (the CLI's cache uses it). */
export const DEFAULT_REFRESH_BUFFER_SECONDS = 60;

/** `expiryMarginSeconds` when not given: the one home of this default. */
export const DEFAULT_EXPIRY_MARGIN_SECONDS = 5;

/** Options of {@link ProxyAuthHandler}. */
export interface ProxyAuthHandlerOptions {
  /** Where tokens come from (required). */
  credential: TokenCredential;
  /** The OAuth2 scope to request tokens for (required, non-empty). */
  scope: string;
  /**
   * Refresh this many seconds before expiry (default 60), capped at half of each token's
   * lifetime so short-lived tokens do not cause a request per call.
   */
  refreshBufferSeconds?: number;
  /**
   * What `getAuthHeaders()` does when no token can be had: `"warn"` (default, LiteLLM's Python
   * behaviour) logs one warning per failure episode and resolves `{}` so the request goes on
   * without the header; `"throw"` rejects.
   */
  onTokenError?: "warn" | "throw";
  /** Where events go. Default: warnings and errors to the console, nothing else. */
  logger?: Logger;
  /** Clock in milliseconds. Default `Date.now` (inject one in tests). */
  now?: () => number;
  /**
   * A token with less than this many seconds left is no longer served: callers wait for a new
   * one. Why: a token sent with a second left expires on the way, or by the proxy's clock if it
   * runs ahead, and the call fails with a 401 and costs a replay; raise it when the proxy's clock
   * is known to run ahead, or calls take long to reach it. Default 5, capped at half the refresh
   * buffer.
   */
  expiryMarginSeconds?: number;
  /** How long one credential call may take before it counts as a retryable failure. Default 30_000 ms. */
  credentialTimeoutMs?: number;
  /**
   * The longest a caller waits for a token, whatever the provider does (hangs, slow retries, a
   * slow shared cache): retries are fitted inside it and each credential call is cut to what is
   * left. A caller still waiting then gets a retryable `TokenAcquisitionError`. Default 15_000 ms.
   */
  maxTokenWaitMs?: number;
  /** Retry and backoff tuning. */
  retry?: RetryOptions;
  /** Test hooks (jitter, waiting): not part of the public API; they may change in any release. */
  _internal?: ProxyAuthHandlerInternals;
  /**
   * A cache shared with other handlers (other processes, with `@proxy-auth/cache-redis`): they
   * share one token and elect one refresher. Default none: this handler's own memory.
   */
  cache?: TokenCache;
  /**
   * Names the identity whose token is shared (the scope is added to it). Default: the
   * credential's `cacheKey()`; required with `cache` when the credential has no `cacheKey()`.
   */
  cacheKey?: string;
  /** Timeout of one cache operation; a slower cache counts as down. Default 500 ms. */
  cacheTimeoutMs?: number;
  /**
   * While another process refreshes the shared token, the longest pause of a handler without a
   * usable token between its attempts (they back off from 100 ms up to this, and a cache with
   * `waitForToken` wakes them when the token is published). Each attempt also checks that the
   * refresher is still alive (still holds its lock, whose lease covers one credential call:
   * `credentialTimeoutMs` plus twice `cacheTimeoutMs`). Waiters keep waiting while the lease is
   * held; when it lapses (the refresher died), one of them refreshes. Default 5_000 ms.
   */
  cacheWaitMs?: number;
  /**
   * Receives the handler's events (token acquired, failed, invalidated) and those of clients
   * built on it (401 replays, retries, fallbacks, finished calls), for metrics and traces.
   * Events never carry a token or a secret; the cached path emits none. The listener is called
   * synchronously and never awaited; what it throws is logged once, never passed on.
   * `@proxy-auth/opentelemetry`'s `createOpenTelemetryListener()` is one.
   */
  onEvent?: ProxyAuthEventListener;
}

/**
 * Test hooks of {@link ProxyAuthHandlerOptions} (`_internal`): not part of the public API, they
 * may change in any release.
 */
export interface ProxyAuthHandlerInternals {
  /** Random numbers in [0, 1) for backoff jitter. Default `Math.random`. */
  random?: () => number;
  /**
   * Waits between blocking retries and between a fleet's looks. Default a wait on `timers`
   * (the runtime's when none are given, keeping the process alive while it runs).
   */
  sleep?: (milliseconds: number) => Promise<void>;
  /**
   * Where every bound starts its timer (a credential call's timeout, a caller's
   * `maxTokenWaitMs`, a cache operation's timeout): one driven by the test's clock makes them
   * all run on it. Default the runtime's timers.
   */
  timers?: Timers;
}

/** The options with a default: after validation, always set. */
type Defaulted = Exclude<
  keyof ProxyAuthHandlerOptions,
  "cache" | "cacheKey" | "onEvent" | "retry" | "_internal"
>;

/** Options after validation, with every default filled in (derived from the options type). */
export type ResolvedHandlerOptions = Required<Pick<ProxyAuthHandlerOptions, Defaulted>> &
  Pick<ProxyAuthHandlerOptions, "cache" | "cacheKey" | "onEvent"> &
  Required<ProxyAuthHandlerInternals> & { retry: Required<RetryOptions> };

/**
 * Validates handler options where they are given, so a mistake is reported with what to change.
 *
 * @throws {@link ConfigurationError}
 */
export function resolveHandlerOptions(options: unknown): ResolvedHandlerOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError(
      "ProxyAuthHandler needs an options object: new ProxyAuthHandler({ credential, scope }).",
    );
  }
  const given = options as Partial<Record<keyof ProxyAuthHandlerOptions, unknown>>;
  const { credential, scope } = given;
  if (typeof credential !== "object" || credential === null) {
    throw new ConfigurationError(
      `ProxyAuthHandler: "credential" is required and must be an object with a getToken(scope) method (got ${describeValue(credential)}).`,
    );
  }
  if (typeof (credential as { getToken?: unknown }).getToken !== "function") {
    throw new ConfigurationError(
      'ProxyAuthHandler: "credential" has no getToken(scope) method; pass a TokenCredential such as GenericOAuth2Credential or AzureADCredential.',
    );
  }
  if (typeof scope !== "string" || scope.trim().length === 0) {
    throw new ConfigurationError(
      `ProxyAuthHandler: "scope" must be a non-empty string such as "api://my-litellm-proxy/.default" (got ${describeValue(scope)}).`,
    );
  }
  const onTokenError = given.onTokenError ?? "warn";
  if (onTokenError !== "warn" && onTokenError !== "throw") {
    throw new ConfigurationError(
      `ProxyAuthHandler: "onTokenError" must be "warn" or "throw" (got ${describeValue(onTokenError)}).`,
    );
  }
  const logger = loggerOption(OWNER, "logger", given.logger);
  const cache = given.cache as TokenCache | undefined;
  if (cache !== undefined) {
    const methods = ["get", "set", "acquireRefreshLock"] as const;
    if (
      typeof cache !== "object" ||
      cache === null ||
      methods.some((name) => typeof cache[name] !== "function")
    ) {
      throw optionError(OWNER, "cache", "a TokenCache (get, set, acquireRefreshLock)", cache);
    }
    const hasKey = typeof (credential as TokenCredential).cacheKey === "function";
    if (given.cacheKey === undefined && !hasKey) {
      throw new ConfigurationError(
        'ProxyAuthHandler: with "cache", give "cacheKey" (this credential has no cacheKey() to derive one from).',
      );
    }
  }
  if (
    given.cacheKey !== undefined &&
    (typeof given.cacheKey !== "string" || given.cacheKey.length === 0)
  ) {
    throw optionError(OWNER, "cacheKey", "a non-empty string", given.cacheKey);
  }
  const internals = (given._internal ?? {}) as ProxyAuthHandlerInternals;
  if (typeof internals !== "object" || internals === null) {
    throw optionError(OWNER, "_internal", "an object", internals);
  }
  const retry = (given.retry ?? {}) as RetryOptions;
  if (typeof retry !== "object" || retry === null) {
    throw optionError(OWNER, "retry", "an object", retry);
  }
  const timers = timersOption(internals.timers);
  return {
    credential: credential as TokenCredential,
    scope,
    refreshBufferSeconds: number(
      OWNER,
      "refreshBufferSeconds",
      given.refreshBufferSeconds,
      DEFAULT_REFRESH_BUFFER_SECONDS,
    ),
    expiryMarginSeconds: number(
      OWNER,
      "expiryMarginSeconds",
      given.expiryMarginSeconds,
      DEFAULT_EXPIRY_MARGIN_SECONDS,
    ),
    onTokenError,
    logger,
    now: fn(OWNER, "now", given.now, Date.now),
    credentialTimeoutMs: number(OWNER, "credentialTimeoutMs", given.credentialTimeoutMs, 30_000, {
      minimum: 1,
    }),
    maxTokenWaitMs: number(OWNER, "maxTokenWaitMs", given.maxTokenWaitMs, 15_000, { minimum: 1 }),
    retry: {
      attempts: number(OWNER, "retry.attempts", retry.attempts, 3, { minimum: 1 }),
      baseDelayMs: number(OWNER, "retry.baseDelayMs", retry.baseDelayMs, 250),
      maxDelayMs: number(OWNER, "retry.maxDelayMs", retry.maxDelayMs, 60_000),
      maxBlockingDelayMs: number(
        OWNER,
        "retry.maxBlockingDelayMs",
        retry.maxBlockingDelayMs,
        2_000,
      ),
      maxRetryAfterSeconds: number(
        OWNER,
        "retry.maxRetryAfterSeconds",
        retry.maxRetryAfterSeconds,
        60,
      ),
    },
    random: fn(OWNER, "_internal.random", internals.random, Math.random),
    // Without a sleep of its own, a test's timers reach the backoff's pauses too.
    sleep: fn(OWNER, "_internal.sleep", internals.sleep, (milliseconds: number) =>
      sleep(milliseconds, undefined, internals.timers === undefined ? keepAliveTimers : timers),
    ),
    timers,
    cache,
    cacheKey: given.cacheKey as string | undefined,
    cacheTimeoutMs: number(OWNER, "cacheTimeoutMs", given.cacheTimeoutMs, 500, { minimum: 1 }),
    cacheWaitMs: number(OWNER, "cacheWaitMs", given.cacheWaitMs, 5_000),
    onEvent: fn<ProxyAuthEventListener | undefined>(OWNER, "onEvent", given.onEvent, undefined),
  };
}

/** The `_internal.timers` hook: an object with `set` and `clear`, else the runtime's timers. */
function timersOption(timers: unknown): Timers {
  if (timers === undefined) return systemTimers;
  const given = timers as Partial<Timers> | null;
  if (typeof given?.set !== "function" || typeof given.clear !== "function") {
    throw optionError(OWNER, "_internal.timers", "an object with set() and clear()", timers);
  }
  return given as Timers;
}
