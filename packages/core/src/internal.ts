/**
 * `@proxy-auth/core/internal`: what the proxy-auth packages share among themselves (the auth
 * path, backoff, timeouts, error mapping, option checks). Not part of the public API: it may
 * change in any release. Applications use `@proxy-auth/core`.
 *
 * @packageDocumentation
 */

export {
  type AuthorizedResponse,
  type AuthorizedSendOptions,
  authorizedSend,
} from "./auth-path/authorized-send.js";
export {
  isRefusedReplacement,
  REFUSED_REPLACEMENT_MS,
  rememberRefusedReplacement,
} from "./auth-path/refused-replacements.js";
export { backoffDelayMs, type RetryOptions } from "./backoff.js";
export { type ScheduledToken, scheduleToken } from "./engine/token-schedule.js";
export { consoleLogger } from "./logger.js";
export { isHttpsOrLoopback } from "./loopback-host.js";
export {
  DEFAULT_EXPIRY_MARGIN_SECONDS,
  DEFAULT_REFRESH_BUFFER_SECONDS,
} from "./proxy-auth-handler-options.js";
export {
  isBase64urlCharacter,
  REDACTED,
  replaceJoseObjects,
  secretSpellings,
} from "./redact.js";
export {
  type AuthHeader,
  type AuthHeaderShape,
  resolveAuthHeader,
} from "./shared/auth-header-shape.js";
export { base64url } from "./shared/base64url.js";
export { Deadline } from "./shared/deadline.js";
export {
  createDPoPProver,
  DPOP_PROVER,
  type DPoPAlgorithm,
  type DPoPBoundCredential,
  type DPoPProofRequest,
  type DPoPProver,
  dpopProverOf,
} from "./shared/dpop-prover.js";
export { isDPoPTokenType } from "./shared/dpop-request.js";
export { ABSENT_SERVER_CODES, networkErrorCode } from "./shared/network-error-code.js";
export { describeNoAnswer, type NoAnswer } from "./shared/no-answer.js";
export {
  describeValue,
  functionOption,
  type HttpUrlOptionRules,
  httpUrlOption,
  loggerOption,
  numberOption,
  optionError,
  stringOption,
} from "./shared/option-checks.js";
export { plainHttpWarning } from "./shared/plain-http-warning.js";
export {
  type BoundedBody,
  type OversizedBody,
  readBoundedBody,
  readBoundedText,
} from "./shared/read-bounded-body.js";
export { type RequestFailure, requestFailure } from "./shared/request-failure.js";
export { sleep } from "./shared/sleep.js";
export { keepAliveTimers, systemTimers, type Timers } from "./timers.js";
