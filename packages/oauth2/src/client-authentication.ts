import { ConfigurationError, ProxyAuthError, TokenAcquisitionError } from "@proxy-auth/core";
import * as oauth from "oauth4webapi";
import {
  checkPrivateKey,
  importPrivateKey,
  type PrivateKeyInput,
  type SigningKey,
} from "./private-key.js";
import { tokenSourceIdentity } from "./token-source-identity.js";

/** How a client proves who it is at the token endpoint. */
export type ClientAuthMethod =
  | "client_secret_post"
  | "client_secret_basic"
  | "private_key_jwt"
  | "client_assertion"
  | "none";

/** A function returning an externally issued JWT (a federated credential), asked anew per request. */
export type AssertionSource = (options?: { signal?: AbortSignal }) => string | Promise<string>;

/** Resolved client authentication: the method, and the oauth4webapi `ClientAuth` for one request. */
export interface ClientAuthentication {
  /** The method, for display and the cache key. */
  readonly method: ClientAuthMethod;
  /** The secrets known from the start (a client secret and its Basic form), for redaction. */
  readonly secrets: readonly string[];
  /**
   * What goes on one token request. Key imports and assertion sources run here, before the
   * request, so their failures are reported as such and not as an unreachable endpoint.
   * `secrets` receives what the request carries (secret, assertion) once it is built, so a
   * failure can be cleared of anything the provider echoes.
   */
  forRequest(tokenEndpoint: string, signal?: AbortSignal): Promise<RequestAuthentication>;
  /** A one-way identity of the secret or key, for `cacheKey()` (never the secret itself). */
  fingerprint(): Promise<string>;
}

/** The client authentication of one token request. */
export interface RequestAuthentication {
  auth: oauth.ClientAuth;
  secrets: string[];
}

/** The client-authentication options {@link resolveClientAuthentication} reads. */
export interface ClientAuthenticationOptions {
  clientId?: unknown;
  clientSecret?: unknown;
  authMethod?: unknown;
  privateKey?: unknown;
  keyId?: unknown;
  signingAlgorithm?: unknown;
  certificate?: unknown;
  assertionAudience?: unknown;
  clientAssertion?: unknown;
}

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** A subject or actor token may be opaque: printable ASCII without spaces. */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;
const CERTIFICATE_PATTERN =
  /-----BEGIN CERTIFICATE-----\s+([A-Za-z0-9+/=\s]+?)\s*-----END CERTIFICATE-----/;

/**
 * Picks the client authentication from exactly one of `clientSecret`, `privateKey` and
 * `clientAssertion` (or none of them when `optional`).
 *
 * @throws ConfigurationError saying which option to pick, never echoing a secret.
 */
export function resolveClientAuthentication(
  given: ClientAuthenticationOptions,
  owner: string,
  optional = false,
): ClientAuthentication {
  const present = (["clientSecret", "privateKey", "clientAssertion"] as const).filter(
    (name) => given[name] !== undefined,
  );
  if (present.length > 1) {
    throw new ConfigurationError(
      `${owner}: give exactly one of "clientSecret", "privateKey" and "clientAssertion"; got ${present.map((name) => `"${name}"`).join(" and ")}.`,
    );
  }
  const [kind] = present;
  if (kind !== "privateKey") {
    for (const name of ["keyId", "signingAlgorithm", "certificate", "assertionAudience"] as const) {
      if (given[name] !== undefined) {
        throw new ConfigurationError(
          `${owner}: "${name}" applies to "privateKey"${kind === undefined ? ", which is not given" : `, not to "${kind}"`}.`,
        );
      }
    }
  }
  const authMethod = given.authMethod;
  if (kind !== "clientSecret" && authMethod !== undefined && authMethod !== "private_key_jwt") {
    throw new ConfigurationError(
      `${owner}: "authMethod" "${String(authMethod)}" applies to "clientSecret"${kind === undefined ? ", which is not given" : `, not to "${kind}"`}.`,
    );
  }
  if (kind === undefined) {
    if (optional) return NONE;
    throw new ConfigurationError(
      `${owner}: give one of "clientSecret" (a client secret), "privateKey" (private_key_jwt: PKCS#8 PEM, JWK or CryptoKey) or "clientAssertion" (a function returning a federated JWT).`,
    );
  }
  if (kind === "clientSecret") {
    return secretAuthentication(given.clientSecret, authMethod, given.clientId, owner);
  }
  if (kind === "clientAssertion") {
    if (typeof given.clientAssertion !== "function") {
      throw new ConfigurationError(
        `${owner}: "clientAssertion" must be a function returning the assertion (a JWT), e.g. clientAssertionFromFile(path).`,
      );
    }
    return assertionAuthentication(given.clientAssertion as AssertionSource, owner);
  }
  return keyAuthentication(given, owner);
}

const NONE: ClientAuthentication = {
  method: "none",
  secrets: [],
  forRequest: async () => ({ auth: oauth.None(), secrets: [] }),
  fingerprint: async () => "none",
};

function secretAuthentication(
  secret: unknown,
  authMethod: unknown,
  clientId: unknown,
  owner: string,
): ClientAuthentication {
  if (typeof secret !== "string" || secret.length === 0) {
    throw new ConfigurationError(
      `${owner}: "clientSecret" is required and must be a non-empty string.`,
    );
  }
  const method = authMethod ?? "client_secret_post";
  if (method !== "client_secret_post" && method !== "client_secret_basic") {
    throw new ConfigurationError(
      `${owner}: "authMethod" must be "client_secret_post" or "client_secret_basic" with "clientSecret" (for private_key_jwt give "privateKey" instead).`,
    );
  }
  const auth =
    method === "client_secret_basic"
      ? oauth.ClientSecretBasic(secret)
      : oauth.ClientSecretPost(secret);
  // The Basic header carries both, encoded: a provider may echo that form too.
  const secrets = [
    secret,
    btoa(`${encodeURIComponent(String(clientId))}:${encodeURIComponent(secret)}`),
  ];
  return {
    method,
    secrets,
    forRequest: async () => ({ auth, secrets: [...secrets] }),
    // As before keys and assertions existed: the same cache key across versions.
    fingerprint: () => sha256(secret),
  };
}

function keyAuthentication(
  given: ClientAuthenticationOptions,
  owner: string,
): ClientAuthentication {
  const { privateKey, signingAlgorithm } = checkPrivateKey(
    given.privateKey,
    given.signingAlgorithm,
    owner,
  );
  const keyId = optionalString(given.keyId, "keyId", owner);
  const audience = optionalString(given.assertionAudience, "assertionAudience", owner);
  const certificate = given.certificate;
  if (
    certificate !== undefined &&
    !(
      typeof certificate === "string" && decodesAsBase64(CERTIFICATE_PATTERN.exec(certificate)?.[1])
    )
  ) {
    throw new ConfigurationError(
      `${owner}: "certificate" must be the PEM certificate ("-----BEGIN CERTIFICATE-----") of the private key.`,
    );
  }
  let imported: Promise<{ signing: SigningKey; thumbprint?: string }> | undefined;
  const load = () => {
    imported ??= (async () => {
      const signing = await importPrivateKey(privateKey, signingAlgorithm, owner);
      if (certificate === undefined) return { signing };
      return { signing, thumbprint: await certificateThumbprint(certificate as string) };
    })();
    // A failed import fails the same way every time: keep the rejection.
    return imported;
  };
  return {
    method: "private_key_jwt",
    secrets: [],
    forRequest: async (tokenEndpoint) => {
      const { signing, thumbprint } = await load();
      const signed = oauth.PrivateKeyJwt(
        keyId === undefined ? signing.key : { key: signing.key, kid: keyId },
        {
          [oauth.modifyAssertion]: (header, payload) => {
            // oauth4webapi names Ed25519 keys by the new "Ed25519" alg; most servers know "EdDSA".
            header.alg = signing.algorithm;
            // The token endpoint URL is the audience Entra, Okta and Keycloak all accept.
            payload.aud = audience ?? tokenEndpoint;
            if (thumbprint !== undefined) header["x5t#S256"] = thumbprint;
          },
        },
      );
      return remembered(signed);
    },
    fingerprint: async () => {
      const { signing } = await load();
      const identity = await publicIdentity(privateKey, signing.key);
      return sha256(`key:${signing.algorithm}:${keyId ?? ""}:${identity}`);
    },
  };
}

function assertionAuthentication(source: AssertionSource, owner: string): ClientAuthentication {
  return {
    method: "client_assertion",
    secrets: [],
    forRequest: async (_tokenEndpoint, signal) => {
      const assertion = await callAssertionSource(source, signal, "clientAssertion", owner);
      return {
        auth: (_as, client, body) => {
          body.set("client_id", client.client_id);
          body.set("client_assertion_type", JWT_BEARER);
          body.set("client_assertion", assertion);
        },
        secrets: [assertion],
      };
    },
    // The assertion rotates and proves nothing once cached: a source is its own identity,
    // unless it names what it reads (a file's absolute path).
    fingerprint: async () => `assertion:${tokenSourceIdentity(source) ?? objectId(source)}`,
  };
}

/**
 * Calls a token source (`clientAssertion`, `subjectToken`, `actorToken`) and checks that it
 * returned a JWT-shaped string. Its own typed errors pass through; anything else becomes a
 * `TokenAcquisitionError` that names the option, not the value.
 */
export async function callAssertionSource(
  source: AssertionSource,
  signal: AbortSignal | undefined,
  name: string,
  owner: string,
  shape: "jwt" | "token" = "jwt",
): Promise<string> {
  let value: unknown;
  try {
    value = await source(signal === undefined ? {} : { signal });
  } catch (error) {
    if (ProxyAuthError.isInstance(error)) throw error;
    if (signal?.aborted) throw signal.reason;
    throw new TokenAcquisitionError(
      `${owner}: the "${name}" function failed: ${error instanceof Error ? error.name : typeof error}.`,
      { retryable: false, cause: error },
    );
  }
  const text = typeof value === "string" ? value.trim() : undefined;
  const wanted = shape === "jwt" ? "a JWT" : "a token";
  if (text === undefined || !(shape === "jwt" ? JWT_SHAPE : TOKEN_SHAPE).test(text)) {
    const got =
      typeof value !== "string"
        ? typeof value
        : value.trim() === ""
          ? "an empty string"
          : `something that is not ${wanted}`;
    throw new TokenAcquisitionError(
      `${owner}: the "${name}" function returned ${got} instead of ${wanted}.`,
      { retryable: false },
    );
  }
  return text;
}

/** Wraps a `ClientAuth` to note the assertion it signed into the request. */
function remembered(inner: oauth.ClientAuth): RequestAuthentication {
  const secrets: string[] = [];
  return {
    auth: async (as, client, body, headers) => {
      await inner(as, client, body, headers);
      const assertion = body.get("client_assertion");
      if (assertion !== null) secrets.push(assertion);
    },
    secrets,
  };
}

/**
 * A random identity per object (an assertion function, a non-extractable key) for the cache key:
 * what cannot be hashed is not shared, so another process never reads tokens it did not prove
 * it may have. Share across a fleet by giving the handler an explicit `cacheKey`.
 */
const objectIds = new WeakMap<object, string>();
function objectId(value: object): string {
  let id = objectIds.get(value);
  if (id === undefined) {
    id = crypto.randomUUID();
    objectIds.set(value, id);
  }
  return id;
}

/** The public half of the key, so two credentials with the same key share a cache key. */
async function publicIdentity(input: PrivateKeyInput, key: CryptoKey): Promise<string> {
  if (
    typeof input === "object" &&
    !(typeof CryptoKey !== "undefined" && input instanceof CryptoKey)
  ) {
    const { kty, crv, n, e, x, y } = input as JsonWebKey;
    return JSON.stringify([kty, crv, n, e, x, y]);
  }
  if (typeof input === "string") return sha256(input);
  // A non-extractable CryptoKey cannot show its public half: the object itself identifies it.
  return `cryptokey:${objectId(key)}`;
}

/** Entra's `x5t#S256`: the base64url SHA-256 of the certificate's DER. */
async function certificateThumbprint(pem: string): Promise<string> {
  const base64 = (CERTIFICATE_PATTERN.exec(pem)?.[1] ?? "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function decodesAsBase64(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    atob(text.replace(/\s+/g, ""));
    return true;
  } catch {
    return false;
  }
}

function optionalString(value: unknown, name: string, owner: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) {
    throw new ConfigurationError(`${owner}: "${name}" must be a non-empty string.`);
  }
  return value;
}

/** The SHA-256 of `text`, in hex: how identities are named without their secrets. */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
