/**
 * `@proxy-auth/core/internal`: what the proxy-auth packages share among themselves (the auth
 * path, backoff, timeouts, error mapping, option checks). Not part of the public API: it may
 * change in any release. Applications use `@proxy-auth/core`.
 *
 * @packageDocumentation
 */
export { type AuthHeader, type AuthHeaderShape, resolveAuthHeader } from "./auth-header-shape.js";
export {
  type AuthorizedResponse,
  type AuthorizedSendOptions,
  authorizedSend,
} from "./authorized-send.js";
export { backoffDelayMs, type RetryOptions } from "./backoff.js";
export { base64url } from "./base64url.js";
export { Deadline } from "./deadline.js";
export {
  createDPoPProver,
  DPOP_PROVER,
  type DPoPAlgorithm,
  type DPoPBoundCredential,
  type DPoPProofRequest,
  type DPoPProver,
  dpopProverOf,
} from "./dpop-prover.js";
export { isDPoPTokenType } from "./dpop-request.js";
export { type ScheduledToken, scheduleToken } from "./engine/token-schedule.js";
export { consoleLogger } from "./logger.js";
export { isHttpsOrLoopback } from "./loopback-host.js";
export { ABSENT_SERVER_CODES, networkErrorCode } from "./network-error-code.js";
export { describeNoAnswer, type NoAnswer } from "./no-answer.js";
export {
  describeValue,
  functionOption,
  type HttpUrlOptionRules,
  httpUrlOption,
  loggerOption,
  numberOption,
  optionError,
  stringOption,
} from "./option-checks.js";
export { plainHttpWarning } from "./plain-http-warning.js";
export {
  DEFAULT_EXPIRY_MARGIN_SECONDS,
  DEFAULT_REFRESH_BUFFER_SECONDS,
} from "./proxy-auth-handler-options.js";
export {
  type BoundedBody,
  type OversizedBody,
  readBoundedBody,
  readBoundedText,
} from "./read-bounded-body.js";
export { JOSE_OBJECT, REDACTED } from "./redact.js";
export {
  isRefusedReplacement,
  REFUSED_REPLACEMENT_MS,
  rememberRefusedReplacement,
} from "./refused-replacements.js";
export { type RequestFailure, requestFailure } from "./request-failure.js";
export { sleep } from "./sleep.js";
export { keepAliveTimers, systemTimers, type Timers } from "./timers.js";
