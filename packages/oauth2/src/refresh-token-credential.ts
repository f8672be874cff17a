import {
  type AccessToken,
  ConfigurationError,
  CredentialUnavailableError,
  type GetTokenOptions,
  isLoopbackHost,
  TokenAcquisitionError,
  type TokenCredential,
} from "@proxy-auth/core";
import { numberOption, stringOption } from "@proxy-auth/core/internal";
import * as oauth from "oauth4webapi";
import { discoverAuthorizationServer } from "./discover-authorization-server.js";
import { personFromTokenResponse } from "./person-from-token-response.js";
import {
  type ResolvedSignInOptions,
  resolveSignInOptions,
  type SignInOptions,
} from "./sign-in-options.js";
import { send, step } from "./sign-in-request.js";
import type { SignedInPerson, SignInStore } from "./signed-in-person.js";
import { responseFailure } from "./token-endpoint-failure.js";

/** Options of {@link RefreshTokenCredential}. */
export interface RefreshTokenCredentialOptions
  extends Omit<SignInOptions, "scope" | "signal" | "issuer" | "clientId"> {
  /** Where the person's sign-in is kept (required); the issuer and client come from it. */
  store: SignInStore;
  /**
   * A stored access token this credential did not hand out itself (another process refreshed
   * it) is used without a refresh while it has more than this many seconds left. Default 60.
   */
  minValidSeconds?: number;
  /** The end of the message when the sign-in has ended. Default `"Sign in again."`. */
  signInAgain?: string;
}

/**
 * A signed-in person as a `TokenCredential`: renews the access token with the refresh token
 * from `store`, and stores the rotated refresh token before the new access token is used, inside
 * the store's `update` (one refresh at a time; with a file store, one per machine). The scope is
 * fixed at sign-in: the `scope` argument is not sent. A refused refresh token (`invalid_grant`:
 * revoked, expired, reused) is one non-retryable `TokenAcquisitionError` that says to sign in again.
 *
 * @example
 * ```ts
 * const person = await signInWithDeviceCode({
 *   issuer: "https://login.example.com",
 *   clientId: "proxy-auth-cli",
 *   scope: "openid offline_access litellm_proxy_api",
 *   onPrompt: ({ verificationUri, userCode }) => console.error(`${verificationUri}: ${userCode}`),
 * });
 * const store = createMemorySignInStore(person);
 * const handler = new ProxyAuthHandler({
 *   credential: new RefreshTokenCredential({ store }),
 *   scope: "litellm_proxy_api",
 * });
 * ```
 */
export class RefreshTokenCredential implements TokenCredential {
  readonly #store: SignInStore;
  readonly #options: RefreshTokenCredentialOptions;
  readonly #minValidSeconds: number;
  readonly #signInAgain: string;
  #handedOut: string | undefined;
  #server: { key: string; server: Promise<oauth.AuthorizationServer> } | undefined;

  /**
   * @param options - `store` is required.
   * @throws ConfigurationError for bad options.
   */
  constructor(options: RefreshTokenCredentialOptions) {
    const owner = "RefreshTokenCredential";
    const store = (options as { store?: unknown } | undefined)?.store as SignInStore | undefined;
    if (typeof store?.update !== "function" || typeof store.load !== "function") {
      throw new ConfigurationError(
        `${owner}: "store" is required: a SignInStore holding the person's sign-in (createMemorySignInStore(person), or a store of your own).`,
      );
    }
    this.#store = store as SignInStore;
    this.#options = options;
    this.#minValidSeconds = numberOption(owner, "minValidSeconds", options.minValidSeconds, 60, {
      minimum: 0,
    });
    this.#signInAgain = stringOption(owner, "signInAgain", options.signInAgain ?? "Sign in again.");
    // The transport options are checked now, with a stand-in issuer.
    this.#resolve({ issuer: "https://issuer.invalid", clientId: "-" });
  }

  /**
   * The person's access token: the stored one when another process just renewed it, else a
   * new one from the refresh token (whose rotated successor is stored first).
   *
   * @throws `CredentialUnavailableError` when no one is signed in; `TokenAcquisitionError`
   *   (`oauthError: "invalid_grant"`, not retryable) when the sign-in has ended.
   */
  async getToken(_scope: string, options?: GetTokenOptions): Promise<AccessToken> {
    options?.signal?.throwIfAborted();
    // What this credential had when the call began: a different stored token is a newer one.
    const had = this.#handedOut;
    const stored = await this.#store.update(async (current) => {
      if (current === undefined) {
        throw new CredentialUnavailableError(`No one is signed in. ${this.#signInAgain}`);
      }
      const left = current.accessToken.expiresOn - this.#now() / 1000;
      if (current.accessToken.token !== had && left > this.#minValidSeconds) {
        return undefined;
      }
      return this.#refresh(current, options?.signal);
    });
    if (stored === undefined) {
      throw new CredentialUnavailableError(`No one is signed in. ${this.#signInAgain}`);
    }
    this.#handedOut = stored.accessToken.token;
    return { ...stored.accessToken };
  }

  async #refresh(
    current: SignedInPerson,
    signal: AbortSignal | undefined,
  ): Promise<SignedInPerson> {
    if (current.refreshToken === undefined) {
      throw new TokenAcquisitionError(
        `The sign-in has ended: the access token expired and the identity provider issued no refresh token. ${this.#signInAgain}`,
        { retryable: false },
      );
    }
    const resolved = this.#resolve(current, signal);
    const insecure = isLoopbackHost(resolved.issuer.hostname);
    const server = await this.#authorizationServer(resolved);
    const client: oauth.Client = { client_id: resolved.clientId };
    const what = `token endpoint of ${resolved.issuer.origin}`;
    const secrets = [current.refreshToken, current.accessToken.token];
    return step(resolved, async (deadline) => {
      const sentAt = resolved.now() / 1000;
      const response = await send(resolved, deadline, what, () =>
        oauth.refreshTokenGrantRequest(
          server,
          client,
          oauth.None(),
          current.refreshToken as string,
          {
            signal: deadline.signal,
            [oauth.customFetch]: resolved.fetch,
            [oauth.allowInsecureRequests]: insecure,
            ...(resolved.resources.length === 0
              ? {}
              : {
                  additionalParameters: resolved.resources.map((resource) => [
                    "resource",
                    resource,
                  ]),
                }),
          },
        ),
      );
      try {
        const result = await oauth.processRefreshTokenResponse(server, client, response);
        return personFromTokenResponse(result, {
          options: resolved,
          what,
          status: response.status,
          sentAt,
          previous: current,
        });
      } catch (error) {
        if (error instanceof oauth.ResponseBodyError && error.error === "invalid_grant") {
          throw new TokenAcquisitionError(
            `The sign-in has ended: the identity provider refused the refresh token (invalid_grant: revoked, expired or already used). ${this.#signInAgain}`,
            { status: response.status, oauthError: "invalid_grant", retryable: false },
          );
        }
        throw await responseFailure(error, response, what, secrets);
      }
    });
  }

  #resolve(
    person: Pick<SignedInPerson, "issuer" | "clientId" | "resource" | "scope">,
    signal?: AbortSignal,
  ): ResolvedSignInOptions {
    return resolveSignInOptions("RefreshTokenCredential", {
      ...this.#options,
      store: undefined,
      issuer: person.issuer,
      clientId: person.clientId,
      scope: person.scope || "-",
      ...(person.resource === undefined ? {} : { resource: person.resource }),
      ...(signal === undefined ? {} : { signal }),
    });
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** Discovery runs once per issuer and is cached on success. */
  #authorizationServer(resolved: ResolvedSignInOptions): Promise<oauth.AuthorizationServer> {
    const key = resolved.issuer.href;
    if (this.#server?.key !== key) {
      const server = step(resolved, (deadline) =>
        discoverAuthorizationServer(resolved.issuer, {
          owner: "RefreshTokenCredential",
          fetch: resolved.fetch,
          timeoutMs: resolved.timeoutMs,
          secrets: [],
          endpoints: ["token_endpoint"],
          deadline,
          callerSignal: resolved.signal,
        }),
      );
      this.#server = { key, server };
      server.catch(() => {
        if (this.#server?.server === server) this.#server = undefined;
      });
    }
    return this.#server.server;
  }
}
