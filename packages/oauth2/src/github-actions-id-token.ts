import { CredentialUnavailableError, TokenAcquisitionError } from "@proxy-auth/core";
import { isHttpsOrLoopback } from "@proxy-auth/core/internal";
import { requestTokenText, type TokenSourceOptions } from "./token-source-request.js";

/** Options of {@link githubActionsIdToken}. */
export interface GitHubActionsIdTokenOptions extends TokenSourceOptions {
  /** The `aud` of the token, as the identity provider's federated credential expects it. */
  audience?: string;
}

const WHAT = "githubActionsIdToken";

/**
 * A token source for a GitHub Actions job's OIDC token, fetched anew for every call from
 * `ACTIONS_ID_TOKEN_REQUEST_URL` with `ACTIONS_ID_TOKEN_REQUEST_TOKEN` (set by the runner when
 * the workflow has `permissions: id-token: write`). Use it as `clientAssertion` or as
 * `TokenExchangeCredential`'s `subjectToken`.
 *
 * @returns A function resolving to the job's token; it rejects with a
 * `CredentialUnavailableError` outside a GitHub Actions job or without the `id-token: write`
 * permission, and a `TokenAcquisitionError` when the token service fails.
 * @example
 * ```ts
 * const credential = new GenericOAuth2Credential({
 *   clientId: "ci-client",
 *   tokenUrl: "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token",
 *   clientAssertion: githubActionsIdToken({ audience: "api://AzureADTokenExchange" }),
 * });
 * ```
 */
export function githubActionsIdToken(
  options: GitHubActionsIdTokenOptions = {},
): (call?: { signal?: AbortSignal }) => Promise<string> {
  return async (call = {}) => {
    const environment = globalThis.process?.env ?? {};
    const requestUrl = environment.ACTIONS_ID_TOKEN_REQUEST_URL;
    const requestToken = environment.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!requestUrl || !requestToken) {
      throw new CredentialUnavailableError(
        `${WHAT}: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: this is not a GitHub Actions job, or the workflow lacks "permissions: id-token: write".`,
      );
    }
    let url: URL;
    try {
      url = new URL(requestUrl);
    } catch {
      throw new TokenAcquisitionError(`${WHAT}: ACTIONS_ID_TOKEN_REQUEST_URL is not a URL.`, {
        retryable: false,
      });
    }
    // The request token is a bearer credential: it goes over https or to this machine only.
    if (!isHttpsOrLoopback(url)) {
      throw new TokenAcquisitionError(
        `${WHAT}: ACTIONS_ID_TOKEN_REQUEST_URL must use https; got ${url.protocol}//${url.host}.`,
        { retryable: false },
      );
    }
    if (options.audience !== undefined) url.searchParams.set("audience", options.audience);
    const text = await requestTokenText(
      url,
      { authorization: `Bearer ${requestToken}`, accept: "application/json" },
      WHAT,
      { ...options, ...call },
    );
    let value: unknown;
    try {
      value = (JSON.parse(text) as { value?: unknown }).value;
    } catch {
      value = undefined;
    }
    if (typeof value !== "string" || value === "") {
      throw new TokenAcquisitionError(`${WHAT}: the answer holds no token ("value").`, {
        retryable: false,
      });
    }
    return value;
  };
}
