import {
  isRetryableStatus,
  parseRetryAfterSeconds,
  redact,
  TokenAcquisitionError,
} from "@proxy-auth/core";
import { requestFailure as classify, describeNoAnswer } from "@proxy-auth/core/internal";
import * as oauth from "oauth4webapi";

/**
 * A request that got no answer: the caller aborted (its reason is rethrown), the timeout fired,
 * or the connection failed (refused, reset, DNS). Our own errors (an answer too large) pass.
 */
export function requestFailure(
  error: unknown,
  what: string,
  callerSignal: AbortSignal | undefined,
  deadline: { readonly timedOut: boolean },
  timeoutMs: number,
): unknown {
  const failure = classify(error, callerSignal, deadline);
  if (failure.kind === "aborted") return failure.reason;
  if (failure.kind === "typed") return failure.error;
  const { message } = describeNoAnswer(failure, what, timeoutMs, error);
  return new TokenAcquisitionError(message, { retryable: true, cause: error });
}

/**
 * A response that is not a usable token: an OAuth error (JSON body or `WWW-Authenticate`
 * challenge), a 5xx or 429, a body that is not JSON or lacks fields. Text from the response is
 * bounded and redacted (the credential's `secrets`, token-shaped strings) and no part of the
 * response is kept as `cause`: a hostile provider may echo the secret or send a token.
 * A challenge without an `error` parameter (`Basic realm="…"`, which RFC 6749 §5.2 requires after
 * HTTP Basic client authentication) leaves the OAuth error to the JSON body beside it.
 */
export async function responseFailure(
  error: unknown,
  response: Response,
  what: string,
  secrets: readonly string[],
): Promise<TokenAcquisitionError> {
  const status = response.status;
  const retryAfterSeconds = parseRetryAfterSeconds(response.headers.get("retry-after"));
  const common = {
    status,
    retryable: isRetryableStatus(status),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
  const clean = (text: string, maxLength: number) => redact(text, { secrets, maxLength });
  let refusal: { error?: string | undefined; description?: string | undefined } | undefined;
  if (error instanceof oauth.ResponseBodyError) {
    refusal = { error: error.error, description: error.error_description };
  } else if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const parameters = error.cause.find((challenge) => challenge.parameters.error)?.parameters;
    refusal =
      parameters === undefined
        ? await bodyRefusal(response)
        : { error: parameters.error, description: parameters.error_description };
  }
  if (refusal !== undefined) {
    const oauthError = refusal.error ? clean(refusal.error, 100) : undefined;
    const description = refusal.description ? `: ${clean(refusal.description, 300)}` : "";
    return new TokenAcquisitionError(
      `The ${what} refused the request with HTTP ${status}${oauthError ? ` ${oauthError}` : ""}${description}.`,
      { ...common, ...(oauthError === undefined ? {} : { oauthError }) },
    );
  }
  // oauth4webapi's other errors can hold the whole response body, token included, as `cause`:
  // keep only their message.
  if (status < 200 || status >= 300) {
    const wait =
      retryAfterSeconds === undefined ? "" : ` and asked to retry after ${retryAfterSeconds} s`;
    // An issuer's root given as tokenUrl answers 404 to the POST: discovery would find the endpoint.
    const hint =
      status === 404 && what.startsWith("token endpoint ")
        ? ' If this is the identity provider\'s issuer URL rather than its token endpoint, give it as "issuer" instead of "tokenUrl" (the token endpoint is then discovered).'
        : "";
    return new TokenAcquisitionError(`The ${what} answered HTTP ${status}${wait}.${hint}`, common);
  }
  const reason = clean(error instanceof Error ? error.message : String(error), 300);
  return new TokenAcquisitionError(`The ${what} returned an unusable answer (${reason}).`, common);
}

/**
 * The OAuth error in a JSON body (`{ "error": …, "error_description": … }`), when the body is one
 * and oauth4webapi has not read it (it stops at the `WWW-Authenticate` challenge). The body was
 * already read within `maxResponseBytes` by the bounded transport.
 */
async function bodyRefusal(
  response: Response,
): Promise<{ error?: string; description?: string } | undefined> {
  try {
    const body: unknown = JSON.parse(await response.text());
    const { error, error_description: description } = body as Record<string, unknown>;
    if (typeof error !== "string" || error === "") return undefined;
    return typeof description === "string" ? { error, description } : { error };
  } catch {
    return undefined; // Not JSON, or already read: the status says what there is to say.
  }
}
