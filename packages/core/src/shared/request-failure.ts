import { ProxyAuthError } from "../errors.js";
import { networkErrorCode } from "./network-error-code.js";

/** Why a request got no answer, in the order the cases are told apart. */
export type RequestFailure =
  /** The caller aborted: rethrow its reason, unchanged. */
  | { readonly kind: "aborted"; readonly reason: unknown }
  /** One of our typed errors (a body too large, a refused answer): pass it on as it is. */
  | { readonly kind: "typed"; readonly error: ProxyAuthError }
  /** The deadline passed first. */
  | { readonly kind: "timeout" }
  /** The connection failed: refused, reset, DNS… with the system's code when there is one. */
  | { readonly kind: "network"; readonly code: string | undefined };

/**
 * Tells apart why a request threw, the one rule every package maps to its own error: the
 * caller's abort first (its reason is what the caller expects back), then our own typed errors,
 * then the deadline, then the network.
 */
export function requestFailure(
  error: unknown,
  signal: AbortSignal | undefined,
  deadline: { readonly timedOut: boolean } | undefined,
): RequestFailure {
  if (signal?.aborted) return { kind: "aborted", reason: signal.reason };
  if (ProxyAuthError.isInstance(error)) return { kind: "typed", error };
  if (deadline?.timedOut) return { kind: "timeout" };
  return { kind: "network", code: networkErrorCode(error) };
}
