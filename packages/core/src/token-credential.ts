import type { AccessToken } from "./access-token.js";

/** Options for one token request. */
export interface GetTokenOptions {
  /** Aborts the wait (and, where the credential supports it, the request). */
  signal?: AbortSignal;
}

/**
 * Anything with this method is a credential provider (the `TokenCredential` protocol of LiteLLM's Python `litellm.proxy_auth`).
 * Implement it to plug any authentication mechanism into {@link ProxyAuthHandler}.
 *
 * @example
 * ```ts
 * const credential: TokenCredential = {
 *   async getToken(scope) {
 *     const response = await fetch(`https://tokens.internal.example/jwt?scope=${scope}`);
 *     const jwt = await response.text();
 *     return { token: jwt, expiresOn: Math.floor(Date.now() / 1000) + 3600 };
 *   },
 * };
 * ```
 */
export interface TokenCredential {
  /**
   * Obtains a token for `scope`. Throw a `TokenAcquisitionError` (with `retryable`) on failure so
   * the handler can decide whether to retry.
   */
  getToken(scope: string, options?: GetTokenOptions): AccessToken | Promise<AccessToken>;
  /**
   * Optional: what identifies this credential's tokens (issuer, client id, audience and a hash of
   * any secret — never the secret itself), so handlers in other processes with the same identity
   * and scope share one token through a `TokenCache`.
   */
  cacheKey?(): string | Promise<string>;
}
