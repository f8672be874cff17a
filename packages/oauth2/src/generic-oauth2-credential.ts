import {
  type AccessToken,
  type GetTokenOptions,
  isLoopbackHost,
  type TokenCredential,
} from "@proxy-auth/core";
import { Deadline } from "@proxy-auth/core/internal";
import * as oauth from "oauth4webapi";
import { bearerAccessToken } from "./bearer-access-token.js";
import { boundedFetch } from "./bounded-fetch.js";
import { type ClientAuthMethod, sha256 } from "./client-authentication.js";
import { discoverAuthorizationServer } from "./discover-authorization-server.js";
import { attachProver, retriesForDPoPNonce } from "./dpop-option.js";
import {
  type GenericOAuth2CredentialOptions,
  type ResolvedCredentialOptions,
  resolveCredentialOptions,
} from "./generic-oauth2-credential-options.js";
import { requestFailure, responseFailure } from "./token-endpoint-failure.js";

/**
 * OAuth2 `client_credentials` grant against any provider (Okta, Auth0, Keycloak, Entra ID…),
 * built on `oauth4webapi`. Use it as the `credential` of a `ProxyAuthHandler`, which caches and
 * refreshes the tokens.
 *
 * @example
 * ```ts
 * const handler = new ProxyAuthHandler({
 *   credential: new GenericOAuth2Credential({
 *     clientId: "your-client-id",
 *     clientSecret: process.env.CLIENT_SECRET!,
 *     tokenUrl: "https://your-idp.example.com/oauth2/token",
 *   }),
 *   scope: "litellm_proxy_api",
 * });
 * ```
 */
export class GenericOAuth2Credential implements TokenCredential {
  /** How the client authenticates at the token endpoint (`client_assertion`: a federated JWT). */
  readonly authMethod: ClientAuthMethod;

  /** The token endpoint, or the issuer it is discovered from (part of the cache key). */
  readonly #endpoint: string;
  readonly #options: ResolvedCredentialOptions;
  readonly #client: oauth.Client;
  readonly #fetch: typeof fetch;
  #server: Promise<oauth.AuthorizationServer> | undefined;

  /**
   * @param options - `clientId`, `tokenUrl` (or `issuer`) and one of `clientSecret`,
   * `privateKey` or `clientAssertion` are required.
   * @throws ConfigurationError for missing or malformed options (never echoing the secret).
   */
  constructor(options: GenericOAuth2CredentialOptions) {
    this.#options = resolveCredentialOptions(options);
    const { clientId, authentication, endpoint } = this.#options;
    this.authMethod = authentication.method;
    this.#endpoint = ("tokenUrl" in endpoint ? endpoint.tokenUrl : endpoint.issuer).href;
    this.#client = { client_id: clientId };
    this.#fetch = boundedFetch(this.#options.fetch, this.#options.maxResponseBytes);
    attachProver(this, this.#options.dpop);
  }

  /**
   * Requests a token for `scope` (sent as the `scope` parameter when non-empty).
   *
   * @throws `TokenAcquisitionError` (from `@proxy-auth/core`) with `status`, `oauthError`, `retryable` and
   * `retryAfterSeconds` where known. An aborted `signal` rejects with its reason.
   */
  async getToken(scope: string, options?: GetTokenOptions): Promise<AccessToken> {
    const callerSignal = options?.signal;
    callerSignal?.throwIfAborted();
    const { timeoutMs } = this.#options;
    // One deadline over discovery, the assertion and the token request.
    const deadline = new Deadline(timeoutMs, callerSignal);
    try {
      return await this.#requestToken(scope, callerSignal, deadline);
    } finally {
      deadline.clear();
    }
  }

  async #requestToken(
    scope: string,
    callerSignal: AbortSignal | undefined,
    deadline: Deadline,
  ): Promise<AccessToken> {
    const { timeoutMs } = this.#options;
    const { signal } = deadline;
    const server = await this.#authorizationServer(callerSignal, deadline);
    const tokenUrl = new URL(server.token_endpoint as string);
    const params = new URLSearchParams(this.#options.params);
    if (scope) params.set("scope", scope);

    const what = describe("token endpoint", tokenUrl);
    const noAnswer = (error: unknown) =>
      requestFailure(error, what, callerSignal, deadline, timeoutMs);
    const { dpop } = this.#options;
    const handle = await dpop?.handle(this.#client);
    for (let round = 1; ; round++) {
      // Each round its own assertion: a client assertion's jti is single-use.
      const { auth: clientAuth, secrets } = await this.#options.authentication.forRequest(
        tokenUrl.href,
        signal,
      );
      const sentAt = this.#options.now() / 1000;
      let response: Response;
      try {
        response = await oauth.clientCredentialsGrantRequest(
          server,
          this.#client,
          clientAuth,
          params,
          {
            signal,
            [oauth.customFetch]: this.#fetch,
            [oauth.allowInsecureRequests]: isLoopbackHost(tokenUrl.hostname),
            ...(handle === undefined ? {} : { DPoP: handle }),
          },
        );
      } catch (error) {
        throw noAnswer(error);
      }
      let result: oauth.TokenEndpointResponse;
      try {
        result = await oauth.processClientCredentialsResponse(server, this.#client, response);
      } catch (error) {
        // The body may have been cut off by the timeout or the caller.
        if (signal.aborted) throw noAnswer(error);
        if (retriesForDPoPNonce(round, handle, error)) continue;
        throw await responseFailure(error, response, what, secrets);
      }
      return bearerAccessToken(result, { what, status: response.status, secrets, sentAt, dpop });
    }
  }

  /**
   * What identifies this credential's tokens, for a shared `TokenCache`: a SHA-256 over the
   * endpoint, client id, extra parameters and a hash of the secret or key — never the secret itself.
   * With DPoP, the key's thumbprint too: a DPoP-bound token is shared only by processes that hold
   * its key.
   */
  async cacheKey(): Promise<string> {
    const { clientId, authentication, params, dpop } = this.#options;
    const secret = await authentication.fingerprint();
    const binding = dpop === undefined ? [] : [`dpop:${await dpop.prover.thumbprint()}`];
    return `oauth2:${await sha256(JSON.stringify([this.#endpoint, clientId, authentication.method, params, secret, ...binding]))}`;
  }

  /** The token endpoint as oauth4webapi wants it; discovery runs once and is cached on success. */
  #authorizationServer(
    callerSignal: AbortSignal | undefined,
    deadline: Deadline,
  ): Promise<oauth.AuthorizationServer> {
    const { endpoint } = this.#options;
    if ("tokenUrl" in endpoint) {
      return Promise.resolve({
        issuer: endpoint.tokenUrl.origin,
        token_endpoint: endpoint.tokenUrl.href,
      });
    }
    if (this.#server === undefined) {
      this.#server = this.#discover(endpoint.issuer, callerSignal, deadline);
      // A failed discovery is tried again on the next call.
      this.#server.catch(() => {
        this.#server = undefined;
      });
    }
    return this.#server;
  }

  #discover(
    issuer: URL,
    callerSignal: AbortSignal | undefined,
    deadline: Deadline,
  ): Promise<oauth.AuthorizationServer> {
    return discoverAuthorizationServer(issuer, {
      owner: "GenericOAuth2Credential",
      fetch: this.#fetch,
      timeoutMs: this.#options.timeoutMs,
      secrets: this.#options.authentication.secrets,
      endpoints: ["token_endpoint"],
      deadline,
      callerSignal,
    });
  }
}

/** Names an endpoint without its query string (which could carry anything). */
function describe(what: string, url: URL): string {
  return `${what} ${url.origin}${url.pathname}`;
}
