/**
 * What a {@link ProxyAuthHandler} reports to its `onEvent` listener, for metrics and traces.
 * Events carry the scope, codes, statuses, timings and expiry times: never a token or a secret.
 *
 * The `token.*` events come from the handler itself, once per credential call (or shared-cache
 * take); the cached path emits nothing. The `request.*` events come from the clients built on
 * the handler (`@proxy-auth/client`), which report them through {@link ProxyAuthHandler.emit}.
 *
 * @example
 * ```ts
 * const handler = new ProxyAuthHandler({
 *   credential,
 *   scope,
 *   onEvent: (event) => {
 *     if (event.type === "token.failed") console.warn("token request failed", event.code, event.status);
 *   },
 * });
 * ```
 */
export type ProxyAuthEvent = TokenEvent | ProxyAuthRequestEvent;

/** A listener of {@link ProxyAuthEvent}s. It is called synchronously and must not block; what it throws or rejects with is logged, never passed on. */
export type ProxyAuthEventListener = (event: ProxyAuthEvent) => void;

/** The events of the token lifecycle, emitted by the handler. */
export type TokenEvent = TokenAcquiredEvent | TokenFailedEvent | TokenInvalidatedEvent;

/** A token was obtained: from the credential, or taken from the shared cache (`cache` option). */
export interface TokenAcquiredEvent {
  readonly type: "token.acquired";
  /** The handler's scope. */
  readonly scope: string;
  /** `"credential"`: a grant from the identity provider; `"shared-cache"`: another handler's token. */
  readonly source: "credential" | "shared-cache";
  /** How long this attempt took, in milliseconds of the handler's clock (the identity provider's latency). */
  readonly durationMs: number;
  /** The token's expiry, Unix time in seconds. */
  readonly expiresOn: number;
  /** The attempt within this acquisition: 1, or more after transient failures were retried. */
  readonly attempt: number;
}

/** One attempt to obtain a token failed. */
export interface TokenFailedEvent {
  readonly type: "token.failed";
  /** The handler's scope. */
  readonly scope: string;
  /** The error's stable code, such as `"TOKEN_ACQUISITION_FAILED"` or `"INVALID_TOKEN"`. */
  readonly code: string;
  /** The identity provider's HTTP status, when it answered. */
  readonly status?: number;
  /** Whether trying again later may succeed (network error, timeout, 408, 429, 5xx). */
  readonly retryable: boolean;
  /** How long this attempt took, in milliseconds of the handler's clock. */
  readonly durationMs: number;
  /** Whether a still-valid cached token goes on being served (a failed background refresh). */
  readonly servingCached: boolean;
  /** The attempt within this acquisition: 1, or more while transient failures are retried. */
  readonly attempt: number;
}

/** The cached token was dropped by `invalidate()` (a proxy refused it with 401). */
export interface TokenInvalidatedEvent {
  readonly type: "token.invalidated";
  /** The handler's scope. */
  readonly scope: string;
}

/** The calls a client reports on: a chat completion or embeddings (OpenTelemetry GenAI operation names). */
export type RequestOperation = "chat" | "embeddings";

/** The events of requests sent with the handler's tokens, reported by clients. */
export type ProxyAuthRequestEvent =
  | RequestReplayedEvent
  | RequestRetriedEvent
  | RequestFallbackEvent
  | RequestFinishedEvent;

/** The proxy answered 401: the token was invalidated and the request sent once more with a fresh one. */
export interface RequestReplayedEvent {
  readonly type: "request.replayed";
  /** The handler's scope. */
  readonly scope: string;
  /** The call, when the client knows it (`createAuthFetch` does not). */
  readonly operation?: RequestOperation;
}

/** A request failed transiently (408, 429, 5xx, network error, timeout) and is sent again after a delay. */
export interface RequestRetriedEvent {
  readonly type: "request.retried";
  /** The handler's scope. */
  readonly scope: string;
  /** The call. */
  readonly operation?: RequestOperation;
  /** The proxy's HTTP status; absent when no response came (network error, timeout). */
  readonly status?: number;
  /** The retry's number: 1 for the first retry. */
  readonly attempt: number;
  /** The wait before the retry, in milliseconds. */
  readonly delayMs: number;
}

/**
 * No token could be had (`onTokenError: "warn"`): the request goes on with the static API key
 * (`fallback: "api-key"`) or without an `Authorization` header (`fallback: "none"`).
 */
export interface RequestFallbackEvent {
  readonly type: "request.fallback";
  /** The handler's scope. */
  readonly scope: string;
  /** The call, when the client knows it. */
  readonly operation?: RequestOperation;
  /** What the request carries instead of a token. */
  readonly fallback: "api-key" | "none";
  /** The code of the error that left the request without a token. */
  readonly code: string;
}

/** A `completion()` or `embedding()` call ended, successfully or not. */
export interface RequestFinishedEvent {
  readonly type: "request.finished";
  /** The handler's scope. */
  readonly scope: string;
  /** The call. */
  readonly operation: RequestOperation;
  /** The requested model, as given in the request. */
  readonly model: string;
  /** Whether a stream was requested (the call then ends when the stream begins). */
  readonly stream: boolean;
  /** The proxy's host name. */
  readonly serverAddress: string;
  /** The proxy's port (from the URL, or 443/80 by scheme). */
  readonly serverPort: number;
  /** The final HTTP status; absent when no response came. */
  readonly status?: number;
  /** When the call failed: the error's code (a `ProxyAuthError`'s), or its name (`"AbortError"`). */
  readonly code?: string;
  /** How many times the request was sent again (retries and the 401 replay). */
  readonly resendCount: number;
  /** From the call until its response (for streams: until the stream begins), in milliseconds. */
  readonly durationMs: number;
}
