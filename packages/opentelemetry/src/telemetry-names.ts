/**
 * The names of the spans and metrics `@proxy-auth/opentelemetry` records. `gen_ai.*`, `http.*`,
 * `server.*` and `error.type` are OpenTelemetry semantic conventions; `proxy_auth.*` are ours.
 *
 * @example
 * ```ts
 * console.log(MetricName.TOKEN_ACQUISITIONS); // "proxy_auth.token.acquisitions"
 * ```
 */
export const MetricName = {
  /** Counter of token acquisition attempts, by `proxy_auth.outcome` (`acquired` / `failed`). */
  TOKEN_ACQUISITIONS: "proxy_auth.token.acquisitions",
  /** Histogram of one acquisition attempt's duration (the identity provider's latency), in seconds. */
  TOKEN_ACQUISITION_DURATION: "proxy_auth.token.acquisition.duration",
  /** Observable gauge of the served token's remaining lifetime, in seconds. */
  TOKEN_REMAINING_LIFETIME: "proxy_auth.token.remaining_lifetime",
  /** Counter of tokens dropped by `invalidate()`. */
  TOKEN_INVALIDATIONS: "proxy_auth.token.invalidations",
  /** Counter of requests replayed after a 401. */
  REQUEST_REPLAYS: "proxy_auth.request.replays",
  /** Counter of request retries (408, 429, 5xx, network errors). */
  REQUEST_RETRIES: "proxy_auth.request.retries",
  /** Counter of requests sent with the static key or without Authorization because no token could be had. */
  REQUEST_FALLBACKS: "proxy_auth.request.fallbacks",
  /** The GenAI semantic conventions' client operation duration histogram, in seconds. */
  GEN_AI_CLIENT_OPERATION_DURATION: "gen_ai.client.operation.duration",
} as const;

/** The name of the span of one token acquisition attempt (client spans are named `{operation} {model}`). */
export const TOKEN_SPAN_NAME = "proxy_auth.acquire_token";

/** The attribute keys `@proxy-auth/opentelemetry` sets. */
export const AttributeName = {
  SCOPE: "proxy_auth.scope",
  OUTCOME: "proxy_auth.outcome",
  TOKEN_SOURCE: "proxy_auth.token.source",
  TOKEN_EXPIRES_ON: "proxy_auth.token.expires_on",
  ATTEMPT: "proxy_auth.attempt",
  RETRYABLE: "proxy_auth.error.retryable",
  SERVING_CACHED: "proxy_auth.serving_cached",
  FALLBACK: "proxy_auth.fallback",
  STREAM: "proxy_auth.request.stream",
  ERROR_TYPE: "error.type",
  HTTP_RESPONSE_STATUS_CODE: "http.response.status_code",
  HTTP_REQUEST_RESEND_COUNT: "http.request.resend_count",
  SERVER_ADDRESS: "server.address",
  SERVER_PORT: "server.port",
  GEN_AI_OPERATION_NAME: "gen_ai.operation.name",
  GEN_AI_REQUEST_MODEL: "gen_ai.request.model",
} as const;
