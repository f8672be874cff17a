import { TokenAcquisitionError } from "@proxy-auth/core";
import { optionError } from "@proxy-auth/core/internal";
import { requestTokenText, type TokenSourceOptions } from "./token-source-request.js";

/** Options of {@link gcpMetadataIdToken}. */
export interface GcpMetadataIdTokenOptions extends TokenSourceOptions {
  /** The `aud` of the identity token (required by the metadata server). */
  audience: string;
}

const WHAT = "gcpMetadataIdToken";

/**
 * A token source for a Google Cloud workload's identity token (GCE, GKE, Cloud Run, Cloud
 * Functions), fetched anew for every call from the metadata server —
 * `metadata.google.internal`, or `GCE_METADATA_HOST` when set. Use it as `clientAssertion` or
 * as `TokenExchangeCredential`'s `subjectToken`.
 *
 * @returns A function resolving to the identity token; it rejects with a
 * `CredentialUnavailableError` when there is no metadata server (not on Google Cloud), and a
 * `TokenAcquisitionError` when the server fails.
 * @example
 * ```ts
 * const credential = new TokenExchangeCredential({
 *   tokenUrl: "https://gateway.example.com/oauth2/token",
 *   subjectToken: gcpMetadataIdToken({ audience: "https://gateway.example.com" }),
 * });
 * ```
 */
export function gcpMetadataIdToken(
  options: GcpMetadataIdTokenOptions,
): (call?: { signal?: AbortSignal }) => Promise<string> {
  if (typeof options?.audience !== "string" || options.audience === "") {
    throw optionError("gcpMetadataIdToken", "audience", "a non-empty string", options?.audience);
  }
  return async (call = {}) => {
    const host = globalThis.process?.env?.GCE_METADATA_HOST || "metadata.google.internal";
    let url: URL;
    try {
      url = new URL(`http://${host}/computeMetadata/v1/instance/service-accounts/default/identity`);
    } catch {
      throw new TokenAcquisitionError(`${WHAT}: GCE_METADATA_HOST is not a host name.`, {
        retryable: false,
      });
    }
    url.searchParams.set("audience", options.audience);
    url.searchParams.set("format", "full");
    const token = (
      await requestTokenText(url, { "metadata-flavor": "Google" }, WHAT, {
        ...options,
        ...call,
        absent:
          " This is not a Google Cloud workload: elsewhere, set GCE_METADATA_HOST or use another token source.",
      })
    ).trim();
    if (token === "") {
      throw new TokenAcquisitionError(`${WHAT}: the metadata server answered without a token.`, {
        retryable: false,
      });
    }
    return token;
  };
}
