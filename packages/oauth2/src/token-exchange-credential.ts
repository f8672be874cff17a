import {
  type AccessToken,
  type GetTokenOptions,
  isLoopbackHost,
  TokenAcquisitionError,
  type TokenCredential,
} from "@proxy-auth/core";
import { Deadline } from "@proxy-auth/core/internal";
import * as oauth from "oauth4webapi";
import { bearerAccessToken } from "./bearer-access-token.js";
import { boundedFetch } from "./bounded-fetch.js";
import { callAssertionSource } from "./client-authentication.js";
import { attachProver, retriesForDPoPNonce } from "./dpop-option.js";
import { requestFailure, responseFailure } from "./token-endpoint-failure.js";
import {
  type ResolvedTokenExchangeOptions,
  resolveTokenExchangeOptions,
  type TokenExchangeCredentialOptions,
} from "./token-exchange-credential-options.js";

const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange";
const OWNER = "TokenExchangeCredential";

/**
 * RFC 8693 token exchange: a workload's token (Kubernetes, a CI job, Google Cloud) or a
 * signed-in user's token in, a token for the proxy out — Keycloak, Okta, Auth0 and custom
 * gateways. Use it as the `credential` of a `ProxyAuthHandler`, which caches and refreshes.
 *
 * @example
 * ```ts
 * const handler = new ProxyAuthHandler({
 *   credential: new TokenExchangeCredential({
 *     tokenUrl: "https://keycloak.example.com/realms/ai/protocol/openid-connect/token",
 *     subjectToken: clientAssertionFromFile("/var/run/secrets/tokens/litellm"),
 *     clientId: "litellm-caller",
 *     audience: "litellm-proxy",
 *   }),
 *   scope: "litellm_proxy_api",
 * });
 * ```
 */
export class TokenExchangeCredential implements TokenCredential {
  readonly #options: ResolvedTokenExchangeOptions;
  readonly #client: oauth.Client;
  readonly #fetch: typeof fetch;

  /**
   * @param options - `tokenUrl` and `subjectToken` are required.
   * @throws ConfigurationError for missing or malformed options (never echoing a secret).
   */
  constructor(options: TokenExchangeCredentialOptions) {
    this.#options = resolveTokenExchangeOptions(options);
    // oauth4webapi needs a client id even when none is sent: the no-client ClientAuth below
    // leaves it out of the request.
    this.#client = { client_id: this.#options.clientId ?? "unidentified-client" };
    this.#fetch = boundedFetch(this.#options.fetch, this.#options.maxResponseBytes);
    attachProver(this, this.#options.dpop);
  }

  /**
   * Exchanges the current subject token for a token for `scope` (sent when non-empty).
   *
   * @throws `TokenAcquisitionError` with `status`, `oauthError` (`invalid_grant` when the
   * subject or actor token is rejected), `retryable` and `retryAfterSeconds` where known. An
   * aborted `signal` rejects with its reason.
   */
  async getToken(scope: string, options?: GetTokenOptions): Promise<AccessToken> {
    const callerSignal = options?.signal;
    callerSignal?.throwIfAborted();
    // One deadline over the token sources and the exchange.
    const deadline = new Deadline(this.#options.timeoutMs, callerSignal);
    try {
      return await this.#exchange(scope, callerSignal, deadline);
    } finally {
      deadline.clear();
    }
  }

  async #exchange(
    scope: string,
    callerSignal: AbortSignal | undefined,
    deadline: Deadline,
  ): Promise<AccessToken> {
    const { tokenUrl, timeoutMs, authentication } = this.#options;
    const { signal } = deadline;
    const { subjectToken, actorToken } = this.#options;
    const subject = await callAssertionSource(subjectToken, signal, "subjectToken", OWNER, "token");
    const actor =
      actorToken === undefined
        ? undefined
        : await callAssertionSource(actorToken, signal, "actorToken", OWNER, "token");
    const params = new URLSearchParams(this.#options.params);
    params.set("subject_token", subject);
    if (actor !== undefined) params.set("actor_token", actor);
    if (scope) params.set("scope", scope);
    const server: oauth.AuthorizationServer = {
      issuer: tokenUrl.origin,
      token_endpoint: tokenUrl.href,
    };
    const what = `token endpoint ${tokenUrl.origin}${tokenUrl.pathname}`;
    const { dpop } = this.#options;
    const handle = await dpop?.handle(this.#client);
    for (let round = 1; ; round++) {
      // Without a client id there is no client identification at all: the subject token is the proof.
      const { auth: clientAuth, secrets } =
        this.#options.clientId === undefined
          ? { auth: () => {}, secrets: [] as string[] }
          : await authentication.forRequest(tokenUrl.href, signal);
      secrets.push(subject);
      if (actor !== undefined) secrets.push(actor);
      const sentAt = this.#options.now() / 1000;
      let response: Response;
      try {
        response = await oauth.genericTokenEndpointRequest(
          server,
          this.#client,
          clientAuth,
          GRANT_TYPE,
          params,
          {
            signal,
            [oauth.customFetch]: this.#fetch,
            [oauth.allowInsecureRequests]: isLoopbackHost(tokenUrl.hostname),
            ...(handle === undefined ? {} : { DPoP: handle }),
          },
        );
      } catch (error) {
        throw requestFailure(error, what, callerSignal, deadline, timeoutMs);
      }
      let result: oauth.TokenEndpointResponse;
      try {
        result = await oauth.processGenericTokenEndpointResponse(server, this.#client, response);
      } catch (error) {
        if (signal.aborted) throw requestFailure(error, what, callerSignal, deadline, timeoutMs);
        if (retriesForDPoPNonce(round, handle, error)) continue;
        const failure = await responseFailure(error, response, what, secrets);
        if (failure.oauthError === "invalid_grant") {
          throw new TokenAcquisitionError(
            `${failure.message} The ${actor === undefined ? "subject token was" : "subject or actor token was"} rejected.`,
            {
              oauthError: "invalid_grant",
              retryable: false,
              ...(failure.status === undefined ? {} : { status: failure.status }),
            },
          );
        }
        throw failure;
      }
      return bearerAccessToken(result, { what, status: response.status, secrets, sentAt, dpop });
    }
  }
}
