import { TokenAcquisitionError } from "@proxy-auth/core";

/**
 * The same failure without any of `secrets` (a subject token, an assertion) in its message, and
 * without its `cause` when that could hold them: a provider may echo what it was sent.
 */
export function redactKnownSecrets<T>(failure: T, secrets: readonly string[]): T {
  if (!TokenAcquisitionError.isInstance(failure)) return failure;
  const error = failure as TokenAcquisitionError;
  const echoed = secrets.filter((secret) => error.message.includes(secret));
  if (echoed.length === 0 && error.cause === undefined) return failure;
  let message = error.message;
  for (const secret of echoed) message = message.split(secret).join("[redacted]");
  return new TokenAcquisitionError(message, {
    retryable: error.retryable,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.oauthError === undefined ? {} : { oauthError: error.oauthError }),
    ...(error.retryAfterSeconds === undefined
      ? {}
      : { retryAfterSeconds: error.retryAfterSeconds }),
  }) as T;
}
