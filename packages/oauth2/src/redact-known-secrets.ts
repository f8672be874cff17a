import { TokenAcquisitionError } from "@proxy-auth/core";

/**
 * The same failure without any of `secrets` (a client secret, an assertion, a subject token):
 * a provider may echo what it was sent, into the `error_description` that becomes the message
 * and into the body kept as `cause`. When one is found, the message is redacted and the cause
 * dropped; otherwise the failure is returned as it is.
 */
export function redactKnownSecrets<T>(failure: T, secrets: readonly string[]): T {
  if (!TokenAcquisitionError.isInstance(failure)) return failure;
  const error = failure as TokenAcquisitionError;
  const known = secrets.filter((secret) => secret.length > 0);
  const causeText = describeCause(error.cause);
  if (!known.some((secret) => error.message.includes(secret) || causeText.includes(secret))) {
    return failure;
  }
  let message = error.message;
  for (const secret of known) message = message.split(secret).join("[redacted]");
  return new TokenAcquisitionError(message, {
    retryable: error.retryable,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.oauthError === undefined ? {} : { oauthError: error.oauthError }),
    ...(error.retryAfterSeconds === undefined
      ? {}
      : { retryAfterSeconds: error.retryAfterSeconds }),
  }) as T;
}

/** What a cause (an oauth4webapi error and the body it keeps) could show, as text. */
function describeCause(cause: unknown): string {
  if (cause === undefined || cause === null) return "";
  const parts: unknown[] = [];
  for (let current: unknown = cause, depth = 0; current && depth < 4; depth++) {
    if (typeof current !== "object") {
      parts.push(current);
      break;
    }
    const { message, error_description, cause: next } = current as Record<string, unknown>;
    parts.push(message, error_description, current);
    current = next;
  }
  try {
    return JSON.stringify(parts);
  } catch {
    return String(parts);
  }
}
