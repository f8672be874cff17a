import { ConfigurationError } from "@proxy-auth/core";
import { isHttpsOrLoopback, stringOption } from "@proxy-auth/core/internal";
import {
  type AssertionSource,
  type ClientAuthentication,
  resolveClientAuthentication,
} from "./client-authentication.js";
import { type DPoPBinding, type DPoPOptions, resolveDPoP } from "./dpop-option.js";
import { extraParameters, tokenRequestTransport } from "./token-request-options.js";

/** Options of {@link GenericOAuth2Credential}. */
export interface GenericOAuth2CredentialOptions {
  /** The OAuth2 client id (required). */
  clientId: string;
  /**
   * The OAuth2 client secret. Give exactly one of `clientSecret`, `privateKey` and
   * `clientAssertion`. Kept private: never logged, serialised or inspected.
   */
  clientSecret?: string;
  /**
   * `private_key_jwt` (RFC 7523): the client's private key, as PKCS#8 PEM, a private JWK or a
   * `CryptoKey` (RSA, EC P-256/P-384/P-521, Ed25519). Each token request carries a fresh signed
   * assertion (unique `jti`, 60 s lifetime, `aud` the token endpoint). Kept private.
   */
  privateKey?: string | JsonWebKey | CryptoKey;
  /** The assertion's `kid` header: the key id registered with the provider (default the JWK's `kid`). */
  keyId?: string;
  /**
   * The JWS algorithm of the assertion. Default from the key: RS256 for RSA, ES256/ES384/ES512
   * for EC, EdDSA for Ed25519. PS256 for Entra certificates.
   */
  signingAlgorithm?: string;
  /**
   * The PEM certificate of `privateKey`: adds its SHA-256 thumbprint as the `x5t#S256` header,
   * which Entra ID uses to find a certificate credential.
   */
  certificate?: string;
  /** The assertion's `aud`. Default the token endpoint URL (Entra, Okta, Keycloak); Auth0 wants `https://<tenant>/`. */
  assertionAudience?: string;
  /**
   * A function returning an externally issued JWT (a Kubernetes service-account token, a CI
   * job's OIDC token), sent as the `jwt-bearer` `client_assertion`. Called for every token
   * request, so a rotated token is picked up: see `clientAssertionFromFile`.
   */
  clientAssertion?: AssertionSource;
  /**
   * The token endpoint (required unless `issuer` is given). https; http only for loopback hosts
   * (`localhost`, `127.0.0.0/8`, `[::1]`).
   */
  tokenUrl?: string;
  /**
   * The issuer, as an alternative to `tokenUrl`: its token endpoint is read once from
   * `/.well-known/openid-configuration` (falling back to `/.well-known/oauth-authorization-server`).
   */
  issuer?: string;
  /**
   * How the client authenticates with `clientSecret`. Default `"client_secret_post"` (what
   * LiteLLM's Python `proxy_auth` sends). `"private_key_jwt"` is implied by `privateKey`.
   */
  authMethod?: "client_secret_post" | "client_secret_basic" | "private_key_jwt";
  /** Sent as `audience` (Auth0 needs it). */
  audience?: string;
  /** RFC 8707 `resource` indicator(s). */
  resource?: string | string[];
  /** More form parameters for the token request. They cannot replace the ones set above. */
  extraParams?: Record<string, string>;
  /** Timeout for one token (or discovery) request, in milliseconds. Default 10_000. */
  timeoutMs?: number;
  /** Transport injection. Default the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * The largest token or discovery answer read, in bytes. A larger one is cancelled unread and
   * fails with a non-retryable `TokenAcquisitionError`. Default 1_048_576 (1 MiB).
   */
  maxResponseBytes?: number;
  /**
   * DPoP-bound tokens (RFC 9449): `true` (a non-extractable ES256 key pair made in memory) or
   * `{ keyPair, algorithm, allowDowngrade }`. Every token request then carries a proof (the
   * provider's `DPoP-Nonce` is answered with one retry), the token comes back typed `"DPoP"`, and
   * every request to the proxy carries a fresh proof of the same key. Default off.
   */
  dpop?: boolean | DPoPOptions;
  /** Clock in milliseconds, for `expiresOn`. Default `Date.now` (inject the handler's in tests). */
  now?: () => number;
}

/** Options after validation. */
export interface ResolvedCredentialOptions {
  clientId: string;
  authentication: ClientAuthentication;
  endpoint: { tokenUrl: URL } | { issuer: URL };
  params: [string, string][];
  timeoutMs: number;
  maxResponseBytes: number;
  fetch: typeof fetch;
  now: () => number;
  dpop: DPoPBinding | undefined;
}

/** Parameters the credential sets itself: `extraParams` may not set them. */
export const RESERVED_PARAMS: ReadonlySet<string> = new Set([
  "grant_type",
  "client_id",
  "client_secret",
  "client_assertion",
  "client_assertion_type",
  "scope",
  "audience",
  "resource",
]);

/**
 * Validates the options where they are given, with a message that says what to change.
 *
 * @throws ConfigurationError
 */
export function resolveCredentialOptions(options: unknown): ResolvedCredentialOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError(
      "GenericOAuth2Credential needs an options object: new GenericOAuth2Credential({ clientId, clientSecret, tokenUrl }).",
    );
  }
  const given = options as Partial<Record<keyof GenericOAuth2CredentialOptions, unknown>>;
  const clientId = requiredString(given.clientId, "clientId");
  const authentication = resolveClientAuthentication(given, "GenericOAuth2Credential");
  if (given.tokenUrl !== undefined && given.issuer !== undefined) {
    throw new ConfigurationError(
      'GenericOAuth2Credential: give either "tokenUrl" or "issuer", not both.',
    );
  }
  let endpoint: ResolvedCredentialOptions["endpoint"];
  if (given.tokenUrl !== undefined)
    endpoint = { tokenUrl: endpointUrl(given.tokenUrl, "tokenUrl") };
  else if (given.issuer !== undefined) endpoint = { issuer: endpointUrl(given.issuer, "issuer") };
  else {
    throw new ConfigurationError(
      'GenericOAuth2Credential: "tokenUrl" is required, e.g. "https://your-idp.example.com/oauth2/token" (or give "issuer" for discovery).',
    );
  }
  const params: [string, string][] = [];
  if (given.audience !== undefined)
    params.push(["audience", requiredString(given.audience, "audience")]);
  const resources = given.resource === undefined ? [] : [given.resource].flat();
  for (const resource of resources) params.push(["resource", requiredString(resource, "resource")]);
  params.push(...extraParameters(OWNER, given.extraParams, RESERVED_PARAMS));
  const transport = tokenRequestTransport(OWNER, given);
  return {
    clientId,
    authentication,
    endpoint,
    params,
    ...transport,
    dpop: resolveDPoP("GenericOAuth2Credential", given.dpop),
  };
}

const OWNER = "GenericOAuth2Credential";

/** @throws ConfigurationError unless `value` is a non-empty string. */
export function requiredString(
  value: unknown,
  name: string,
  owner = "GenericOAuth2Credential",
): string {
  return stringOption(owner, name, value);
}

/** https anywhere; http only where the traffic cannot leave the machine. */
export function endpointUrl(value: unknown, name: string, owner = "GenericOAuth2Credential"): URL {
  const text = requiredString(value, name, owner);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigurationError(`${owner}: "${name}" is not a valid URL.`);
  }
  if (isHttpsOrLoopback(url)) return url;
  throw new ConfigurationError(
    `${owner}: "${name}" must use https (http is allowed only for localhost, 127.0.0.0/8 and [::1]); got ${url.protocol}//${url.host}.`,
  );
}
