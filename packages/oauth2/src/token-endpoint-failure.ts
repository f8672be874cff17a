import { isRetryableStatus, parseRetryAfterSeconds, TokenAcquisitionError } from "@proxy-auth/core";
import * as oauth from "oauth4webapi";

/**
 * A request that got no answer: the caller aborted (its reason is rethrown), the timeout fired,
 * or the connection failed (refused, reset, DNS).
 */
export function requestFailure(
  error: unknown,
  what: string,
  callerSignal: AbortSignal | undefined,
  timeout: AbortSignal,
  timeoutMs: number,
): unknown {
  if (callerSignal?.aborted) return callerSignal.reason;
  if (timeout.aborted) {
    return new TokenAcquisitionError(`The ${what} did not answer within ${timeoutMs} ms.`, {
      retryable: true,
      cause: error,
    });
  }
  const code = networkCode(error);
  return new TokenAcquisitionError(
    `Could not reach the ${what}${code === undefined ? "" : ` (${code})`}: ${(error as Error)?.message ?? String(error)}.`,
    { retryable: true, cause: error },
  );
}

/**
 * A response that is not a usable token: an OAuth error (JSON body or `WWW-Authenticate`
 * challenge), a 5xx or 429, a body that is not JSON or lacks fields.
 */
export function responseFailure(
  error: unknown,
  response: Response,
  what: string,
): TokenAcquisitionError {
  const status = response.status;
  const retryAfterSeconds = parseRetryAfterSeconds(response.headers.get("retry-after"));
  const common = {
    status,
    retryable: isRetryableStatus(status),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
  if (error instanceof oauth.ResponseBodyError) {
    const description = error.error_description ? `: ${error.error_description}` : "";
    return new TokenAcquisitionError(
      `The ${what} refused the request with HTTP ${status} ${error.error}${description}.`,
      { ...common, oauthError: error.error, cause: error },
    );
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters ?? {};
    const oauthError = parameters.error;
    const description = parameters.error_description ? `: ${parameters.error_description}` : "";
    return new TokenAcquisitionError(
      `The ${what} refused the request with HTTP ${status}${oauthError ? ` ${oauthError}` : ""}${description}.`,
      { ...common, ...(oauthError === undefined ? {} : { oauthError }), cause: error },
    );
  }
  // oauth4webapi's other errors can hold the whole response body, token included, as `cause`:
  // keep only their message.
  if (status < 200 || status >= 300) {
    const wait =
      retryAfterSeconds === undefined ? "" : ` and asked to retry after ${retryAfterSeconds} s`;
    return new TokenAcquisitionError(`The ${what} answered HTTP ${status}${wait}.`, common);
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new TokenAcquisitionError(`The ${what} returned an unusable answer (${reason}).`, common);
}

function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}
