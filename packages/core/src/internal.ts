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
} from "./authorized-send.js";
export {
  isRefusedReplacement,
  REFUSED_REPLACEMENT_MS,
  rememberRefusedReplacement,
} from "./refused-replacements.js";
