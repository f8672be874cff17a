import { type AccessToken, jwtExpiry, redact, TokenAcquisitionError } from "@proxy-auth/core";
import type * as oauth from "oauth4webapi";

/** LiteLLM's Python default lifetime when the provider says nothing about expiry. */
const DEFAULT_LIFETIME_SECONDS = 3600;

/**
 * The `AccessToken` of a token endpoint's successful answer: a Bearer token, or with `dpop` a
 * DPoP-bound one (a Bearer answer to a DPoP request only when downgrade is allowed), expiring
 * `expires_in` after the request was sent (a slow answer never makes a token look fresher than
 * it is), else at its JWT `exp`, else an hour after sending.
 *
 * @param context.what - The endpoint, for the message ("token endpoint https://…").
 * @param context.status - The HTTP status of the answer.
 * @param context.secrets - What the request carried, redacted from a foreign `token_type`.
 * @param context.sentAt - When the request was sent, Unix seconds.
 * @param context.dpop - The request carried a DPoP proof, and whether a Bearer answer is accepted.
 */
export function bearerAccessToken(
  result: oauth.TokenEndpointResponse,
  context: {
    what: string;
    status: number;
    secrets: readonly string[];
    sentAt: number;
    dpop?: { allowDowngrade: boolean } | undefined;
  },
): AccessToken {
  const { dpop } = context;
  if (dpop !== undefined && result.token_type === "bearer" && !dpop.allowDowngrade) {
    throw new TokenAcquisitionError(
      `The ${context.what} issued a Bearer token to a DPoP request: the provider does not bind tokens to the key (DPoP not supported or not enabled for this client). Enable DPoP for the client at the provider, or set dpop.allowDowngrade to accept bearer tokens.`,
      { status: context.status, retryable: false },
    );
  }
  const tokenType = result.token_type === "dpop" && dpop !== undefined ? "DPoP" : "Bearer";
  if (result.token_type !== "bearer" && tokenType !== "DPoP") {
    const type = redact(String(result.token_type), {
      secrets: [...context.secrets],
      maxLength: 40,
    });
    throw new TokenAcquisitionError(
      `The ${context.what} issued a token of type "${type}"; only Bearer${dpop === undefined ? "" : " and DPoP"} access tokens are supported.`,
      { status: context.status, retryable: false },
    );
  }
  const expiresOn =
    result.expires_in !== undefined
      ? context.sentAt + result.expires_in
      : (jwtExpiry(result.access_token) ?? context.sentAt + DEFAULT_LIFETIME_SECONDS);
  return { token: result.access_token, expiresOn, tokenType };
}
