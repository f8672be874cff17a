import type {
  AccessToken as AzureAccessToken,
  TokenCredential as AzureTokenCredential,
} from "@azure/core-auth";
import {
  type AccessToken,
  ConfigurationError,
  type GetTokenOptions,
  TokenAcquisitionError,
  type TokenCredential,
} from "@proxy-auth/core";
import { optionError } from "@proxy-auth/core/internal";
import { fromAzureError } from "./azure-error.js";

/** Options of {@link AzureADCredential}. */
export interface AzureADCredentialOptions {
  /**
   * Any `@azure/identity` credential (ClientSecretCredential, ManagedIdentityCredential,
   * WorkloadIdentityCredential…), or anything with Azure's `getToken(scopes, options)`.
   * Default: a `DefaultAzureCredential`, created on the first `getToken`.
   */
  credential?: AzureTokenCredential;
}

/**
 * Entra ID (Azure AD) tokens through `@azure/identity`, for a `ProxyAuthHandler`.
 *
 * @example
 * ```ts
 * const handler = new ProxyAuthHandler({
 *   credential: new AzureADCredential(), // DefaultAzureCredential
 *   scope: "api://my-litellm-proxy/.default",
 * });
 * ```
 */
export class AzureADCredential implements TokenCredential {
  #credential: AzureTokenCredential | undefined;
  #loading: Promise<AzureTokenCredential> | undefined;

  /**
   * Costs nothing and never contacts Azure: with no `credential`, `@azure/identity` is loaded and
   * `DefaultAzureCredential` created on the first `getToken`.
   *
   * @throws ConfigurationError when `credential` is given but is not an Azure TokenCredential.
   */
  constructor(options: AzureADCredentialOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new ConfigurationError(
        "AzureADCredential: options must be an object, e.g. { credential }.",
      );
    }
    const { credential } = options;
    if (
      credential !== undefined &&
      (typeof credential !== "object" ||
        credential === null ||
        typeof credential.getToken !== "function")
    ) {
      throw optionError(
        "AzureADCredential",
        "credential",
        "an @azure/identity credential (an object with getToken(scopes, options))",
        credential,
        "Pass one such as new ClientSecretCredential(…), or leave it out for DefaultAzureCredential.",
      );
    }
    this.#credential = credential;
  }

  /** The name of the wrapped Azure credential, e.g. `"ClientSecretCredential"`. */
  get credentialName(): string {
    return this.#credential?.constructor?.name ?? "DefaultAzureCredential";
  }

  /**
   * A token for `scope` (e.g. `"api://my-litellm-proxy/.default"`). Azure's millisecond
   * timestamps become seconds; `refreshAfter` carries Entra's `refresh_in` hint.
   *
   * @throws `TokenAcquisitionError` (from `@proxy-auth/core`) naming the credential that failed and why.
   */
  async getToken(scope: string, options?: GetTokenOptions): Promise<AccessToken> {
    const signal = options?.signal;
    signal?.throwIfAborted();
    const credential = this.#credential ?? (await this.#defaultCredential());
    let result: AzureAccessToken | null;
    try {
      result = await credential.getToken(
        scope,
        signal === undefined ? {} : { abortSignal: signal },
      );
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw fromAzureError(error, this.credentialName, scope);
    }
    if (result === null || result === undefined) {
      throw new TokenAcquisitionError(
        `${this.credentialName} returned no token for scope "${scope}".`,
        {
          retryable: false,
        },
      );
    }
    const token: AccessToken = {
      token: result.token,
      expiresOn: result.expiresOnTimestamp / 1000,
      tokenType: result.tokenType ?? "Bearer",
    };
    if (result.refreshAfterTimestamp !== undefined)
      token.refreshAfter = result.refreshAfterTimestamp / 1000;
    return token;
  }

  #defaultCredential(): Promise<AzureTokenCredential> {
    this.#loading ??= import("@azure/identity").then((identity) => {
      const credential = new identity.DefaultAzureCredential();
      this.#credential = credential;
      return credential;
    });
    // A failed load is tried again on the next call.
    this.#loading.catch(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }
}
