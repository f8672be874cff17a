import { ConfigurationError } from "@proxy-auth/core";
import {
  type AssertionSource,
  type ClientAuthentication,
  resolveClientAuthentication,
} from "./client-authentication.js";
import { type DPoPBinding, type DPoPOptions, resolveDPoP } from "./dpop-option.js";
import {
  endpointUrl,
  RESERVED_PARAMS,
  requiredString,
} from "./generic-oauth2-credential-options.js";
import { extraParameters, tokenRequestTransport } from "./token-request-options.js";

/** Options of {@link TokenExchangeCredential}. */
export interface TokenExchangeCredentialOptions {
  /** The token endpoint (required). https; http only for loopback hosts. */
  tokenUrl: string;
  /**
   * The token to exchange (required): a function asked anew for every request — a workload's
   * token (`clientAssertionFromFile`, `githubActionsIdToken`, `gcpMetadataIdToken`) or a
   * signed-in user's. Kept private: never logged, serialised or inspected.
   */
  subjectToken: AssertionSource;
  /** Default `"urn:ietf:params:oauth:token-type:jwt"`. */
  subjectTokenType?: string;
  /** A token for the party acting on the subject's behalf (delegation), asked anew per request. */
  actorToken?: AssertionSource;
  /** Default `"urn:ietf:params:oauth:token-type:jwt"` when `actorToken` is given. */
  actorTokenType?: string;
  /** Default `"urn:ietf:params:oauth:token-type:access_token"`. */
  requestedTokenType?: string;
  /** Sent as `audience`: the logical name of the proxy. */
  audience?: string;
  /** RFC 8707 `resource` indicator(s): the proxy's URL. */
  resource?: string | string[];
  /** The client id, when the provider wants the exchanging client identified. */
  clientId?: string;
  /** Client authentication by secret (with `clientId`). Kept private. */
  clientSecret?: string;
  /** How `clientSecret` is sent. Default `"client_secret_post"`. */
  authMethod?: "client_secret_post" | "client_secret_basic";
  /** Client authentication by `private_key_jwt` (with `clientId`): PKCS#8 PEM, JWK or CryptoKey. Kept private. */
  privateKey?: string | JsonWebKey | CryptoKey;
  /** The assertion's `kid` header. */
  keyId?: string;
  /** The assertion's JWS algorithm. Default from the key. */
  signingAlgorithm?: string;
  /** More form parameters. They cannot replace the ones above. */
  extraParams?: Record<string, string>;
  /** Timeout for one token request, in milliseconds. Default 10_000. */
  timeoutMs?: number;
  /** The largest token response read, in bytes. Default 1_048_576. */
  maxResponseBytes?: number;
  /** Transport injection. Default the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * DPoP-bound tokens (RFC 9449): `true` (a non-extractable ES256 key pair made in memory) or
   * `{ keyPair, algorithm, allowDowngrade }`. Every token request then carries a proof (the
   * provider's `DPoP-Nonce` is answered with one retry), the token comes back typed `"DPoP"`, and
   * every request to the proxy carries a fresh proof of the same key. Default off.
   */
  dpop?: boolean | DPoPOptions;
  /** Clock in milliseconds, for `expiresOn`. Default `Date.now`. */
  now?: () => number;
}

/** Options after validation. */
export interface ResolvedTokenExchangeOptions {
  tokenUrl: URL;
  clientId: string | undefined;
  authentication: ClientAuthentication;
  subjectToken: AssertionSource;
  actorToken: AssertionSource | undefined;
  params: [string, string][];
  timeoutMs: number;
  maxResponseBytes: number;
  fetch: typeof fetch;
  now: () => number;
  dpop: DPoPBinding | undefined;
}

const OWNER = "TokenExchangeCredential";
const JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";
// RFC 8693's own parameters join the ones every grant sets.
const RESERVED = new Set([
  ...RESERVED_PARAMS,
  "subject_token",
  "subject_token_type",
  "actor_token",
  "actor_token_type",
  "requested_token_type",
]);

/**
 * Validates the options where they are given.
 *
 * @throws ConfigurationError saying what to change, never echoing a secret.
 */
export function resolveTokenExchangeOptions(options: unknown): ResolvedTokenExchangeOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError(
      `${OWNER} needs an options object: new ${OWNER}({ tokenUrl, subjectToken }).`,
    );
  }
  const given = options as Partial<Record<keyof TokenExchangeCredentialOptions, unknown>>;
  const tokenUrl = endpointUrl(given.tokenUrl, "tokenUrl", OWNER);
  if (typeof given.subjectToken !== "function") {
    throw new ConfigurationError(
      `${OWNER}: "subjectToken" is required: a function returning the token to exchange, e.g. clientAssertionFromFile(path).`,
    );
  }
  if (given.actorToken !== undefined && typeof given.actorToken !== "function") {
    throw new ConfigurationError(`${OWNER}: "actorToken" must be a function returning a token.`);
  }
  if (given.actorTokenType !== undefined && given.actorToken === undefined) {
    throw new ConfigurationError(`${OWNER}: "actorTokenType" needs "actorToken".`);
  }
  if ("clientAssertion" in given) {
    throw new ConfigurationError(
      `${OWNER}: authenticate the client with "clientSecret" or "privateKey"; the token to exchange goes in "subjectToken".`,
    );
  }
  const authentication = resolveClientAuthentication(given, OWNER, true);
  const clientId =
    given.clientId === undefined ? undefined : requiredString(given.clientId, "clientId", OWNER);
  if (clientId === undefined && authentication.method !== "none") {
    throw new ConfigurationError(
      `${OWNER}: "clientId" is required with "clientSecret" or "privateKey".`,
    );
  }
  const typeOf = (
    name: "subjectTokenType" | "actorTokenType" | "requestedTokenType",
    fallback: string,
  ) => (given[name] === undefined ? fallback : requiredString(given[name], name, OWNER));
  const params: [string, string][] = [
    ["subject_token_type", typeOf("subjectTokenType", JWT_TYPE)],
    [
      "requested_token_type",
      typeOf("requestedTokenType", "urn:ietf:params:oauth:token-type:access_token"),
    ],
  ];
  if (given.actorToken !== undefined)
    params.push(["actor_token_type", typeOf("actorTokenType", JWT_TYPE)]);
  if (given.audience !== undefined)
    params.push(["audience", requiredString(given.audience, "audience", OWNER)]);
  for (const resource of given.resource === undefined ? [] : [given.resource].flat()) {
    params.push(["resource", requiredString(resource, "resource", OWNER)]);
  }
  params.push(...extraParameters(OWNER, given.extraParams, RESERVED));
  const transport = tokenRequestTransport(OWNER, given);
  return {
    tokenUrl,
    clientId,
    authentication,
    subjectToken: given.subjectToken as AssertionSource,
    actorToken: given.actorToken as AssertionSource | undefined,
    params,
    ...transport,
    dpop: resolveDPoP(OWNER, given.dpop),
  };
}
