export type { AccessToken } from "./access-token.js";
export { validateAccessToken } from "./access-token.js";
export type { RetryOptions } from "./backoff.js";
export {
  ConfigurationError,
  CredentialUnavailableError,
  ErrorCode,
  InvalidTokenError,
  ProxyAuthError,
  type ProxyAuthErrorOptions,
  TokenAcquisitionError,
  type TokenAcquisitionErrorOptions,
} from "./errors.js";
export { jwtExpiry } from "./jwt-expiry.js";
export type { Logger } from "./logger.js";
export { isLoopbackHost } from "./loopback-host.js";
export type {
  ProxyAuthEvent,
  ProxyAuthEventListener,
  ProxyAuthRequestEvent,
  RequestFallbackEvent,
  RequestFinishedEvent,
  RequestOperation,
  RequestReplayedEvent,
  RequestRetriedEvent,
  TokenAcquiredEvent,
  TokenEvent,
  TokenFailedEvent,
  TokenInvalidatedEvent,
} from "./proxy-auth-event.js";
export { ProxyAuthHandler } from "./proxy-auth-handler.js";
export type {
  ProxyAuthHandlerInternals,
  ProxyAuthHandlerOptions,
} from "./proxy-auth-handler-options.js";
export { type RedactOptions, redact } from "./redact.js";
export { parseRetryAfterSeconds } from "./retry-after.js";
export { isRetryableStatus } from "./retryable-status.js";
export type { Timers } from "./timers.js";
export type { TokenAuthorization } from "./token-authorization.js";
export type { TokenCacheClaim, TokenCacheEntry } from "./token-cache.js";
export { createMemoryTokenCache, type ReleaseLock, type TokenCache } from "./token-cache.js";
export type { GetTokenOptions, TokenCredential } from "./token-credential.js";
