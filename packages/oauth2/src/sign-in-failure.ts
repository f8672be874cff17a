import { TokenAcquisitionError } from "@proxy-auth/core";
import * as oauth from "oauth4webapi";
import { responseFailure } from "./token-endpoint-failure.js";

/** What the person or the provider did, said plainly, for the OAuth errors of a sign-in. */
const EXPLANATIONS: Readonly<Record<string, string>> = {
  access_denied: "The sign-in was declined (access_denied): the person did not approve it.",
  expired_token:
    "The device code expired before the sign-in was approved (expired_token); start the sign-in again.",
};

/**
 * The error of a failed sign-in request: `access_denied` and `expired_token` explained plainly,
 * other refusals as {@link responseFailure} words them (bounded, redacted).
 */
export async function signInFailure(
  error: unknown,
  response: Response,
  what: string,
  secrets: readonly string[],
): Promise<TokenAcquisitionError> {
  const oauthError = error instanceof oauth.ResponseBodyError ? error.error : undefined;
  const explanation = oauthError === undefined ? undefined : EXPLANATIONS[oauthError];
  if (oauthError !== undefined && explanation !== undefined) {
    return new TokenAcquisitionError(explanation, {
      status: response.status,
      oauthError,
      retryable: false,
    });
  }
  return responseFailure(error, response, what, secrets);
}
