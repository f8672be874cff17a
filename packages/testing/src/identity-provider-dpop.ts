import { randomBytes } from "node:crypto";

/** DPoP at the test identity provider (oidc-provider's `features.dPoP`, RFC 9449). */
export interface IdentityProviderDPoPOptions {
  /** Accept DPoP proofs and issue DPoP-bound tokens (`cnf.jkt`) to requests with one. Default true. */
  enabled?: boolean;
  /**
   * Require a server nonce in proofs: a proof without the current nonce gets
   * `400 use_dpop_nonce` with a `DPoP-Nonce` header, as Keycloak and Okta can be set to do.
   * Default false.
   */
  requireNonce?: boolean;
}

/** The JWS algorithms the provider accepts in DPoP proofs. */
export const DPOP_SIGNING_ALGORITHMS = ["ES256", "Ed25519", "EdDSA", "RS256"] as const;

/** oidc-provider's `features.dPoP` for these options. */
export function dpopFeature(options: IdentityProviderDPoPOptions = {}) {
  return {
    enabled: options.enabled ?? true,
    nonceSecret: randomBytes(32),
    requireNonce: () => options.requireNonce === true,
  };
}
