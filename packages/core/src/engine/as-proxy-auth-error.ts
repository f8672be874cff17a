import { ProxyAuthError, TokenAcquisitionError } from "../errors.js";
import { redact } from "../redact.js";

/** The provider's `Retry-After` carried by a failure, when it sent one. */
export function retryAfter(error: ProxyAuthError): number | undefined {
  return TokenAcquisitionError.isInstance(error) ? error.retryAfterSeconds : undefined;
}

/** Credentials may throw anything; callers always get a ProxyAuthError (the original as `cause`). */
export function asProxyAuthError(caught: unknown, scope: string): ProxyAuthError {
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
