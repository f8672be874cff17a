import { ConfigurationError } from "../errors.js";
import { base64url } from "./base64url.js";

/** The signing algorithms a DPoP key may use: ES256 (P-256), EdDSA (Ed25519), RS256. */
export type DPoPAlgorithm = "ES256" | "EdDSA" | "RS256";

/** What one request's proof covers (RFC 9449 §4.2). */
export interface DPoPProofRequest {
  /** The HTTP method (`htm`). */
  method: string;
  /** The request URL; query and fragment are left out of `htu`. */
  url: string | URL;
  /** The access token the proof goes with: its SHA-256 becomes `ath`. */
  accessToken?: string | undefined;
}

/**
 * Proves possession of one DPoP key on requests to resource servers (the proxy): builds the
 * `DPoP` header's proof JWT and remembers each origin's latest `DPoP-Nonce`. The private key
 * never leaves it (it may be non-extractable); nothing of it is enumerable or serialisable.
 */
export interface DPoPProver {
  /** The RFC 7638 SHA-256 thumbprint of the public key (what a bound token's `cnf.jkt` names). */
  thumbprint(): Promise<string>;
  /** A fresh proof for one request: `htm`, `htu`, `iat`, a unique `jti`, `ath`, the origin's nonce. */
  proof(request: DPoPProofRequest): Promise<string>;
  /** Records the `DPoP-Nonce` an origin sent; the next proofs for it carry that nonce. */
  rememberNonce(url: string | URL, nonce: string): void;
  /** The nonce last remembered for the URL's origin. */
  nonceFor(url: string | URL): string | undefined;
}

/**
 * Where a credential keeps its prover (a symbol, so it is neither enumerated nor serialised):
 * `credential[DPOP_PROVER]()` returns it. The one auth path reads it to prove possession of the
 * key a `DPoP`-typed token is bound to.
 */
export const DPOP_PROVER: unique symbol = Symbol.for("proxy-auth.dpop-prover") as never;

/** A credential that can prove possession of the key its DPoP-bound tokens are bound to. */
export interface DPoPBoundCredential {
  /** This credential's prover. */
  [DPOP_PROVER](): DPoPProver;
}

/** The credential's prover, when it issues DPoP-bound tokens. */
export function dpopProverOf(credential: unknown): DPoPProver | undefined {
  const get = (credential as Partial<DPoPBoundCredential> | undefined)?.[DPOP_PROVER];
  return typeof get === "function" ? get.call(credential) : undefined;
}

/** Origins a prover remembers a nonce for; the oldest is forgotten past this. */
const MAX_NONCE_ORIGINS = 100;
/** Nonces longer than this are not remembered (a hostile server cannot grow every proof). */
const MAX_NONCE_LENGTH = 512;
/** Visible ASCII, as RFC 9449 §8.1 allows in a nonce. */
const NONCE_PATTERN = /^[\x21-\x7e]+$/;

interface KeyMaterial {
  privateKey: CryptoKey;
  header: string;
  thumbprint: string;
  sign: AlgorithmIdentifier | EcdsaParams;
}

/**
 * A prover for a key pair (WebCrypto only, so it runs on every runtime). The pair may come
 * later (a function, called on the first proof): a credential that makes its own key generates
 * it on first use.
 *
 * @param keyPair - The DPoP key pair, or a function resolving to it; its public key must be
 *   exportable (WebCrypto public keys are).
 * @param options.now - Clock in milliseconds for `iat`. Default `Date.now`.
 * @throws {@link ConfigurationError} (from `proof()`/`thumbprint()`) for a key that is not ES256, EdDSA or RS256.
 *
 * @example
 * ```ts
 * import { createDPoPProver } from "@proxy-auth/core/internal";
 *
 * const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
 * const prover = createDPoPProver(keyPair);
 * const proof = await prover.proof({ method: "POST", url: "https://proxy.example.com/chat/completions", accessToken: "eyJ..." });
 * ```
 */
export function createDPoPProver(
  keyPair: CryptoKeyPair | (() => Promise<CryptoKeyPair>),
  options: { now?: () => number } = {},
): DPoPProver {
  const now = options.now ?? Date.now;
  const nonces = new Map<string, string>();
  let lastAth: { token: string; ath: Promise<string> } | undefined;
  let resolved: Promise<KeyMaterial> | undefined;
  const material = (): Promise<KeyMaterial> => {
    resolved ??= Promise.resolve(typeof keyPair === "function" ? keyPair() : keyPair).then(
      keyMaterial,
    );
    return resolved;
  };

  const athOf = (token: string): Promise<string> => {
    // The cached path sends one token many times: hash it once.
    if (lastAth?.token !== token) lastAth = { token, ath: sha256(token) };
    return lastAth.ath;
  };

  return {
    thumbprint: async () => (await material()).thumbprint,
    async proof(request) {
      const key = await material();
      const url = new URL(request.url);
      const claims: Record<string, unknown> = {
        jti: crypto.randomUUID(),
        htm: request.method.toUpperCase(),
        htu: `${url.origin}${url.pathname}`,
        iat: Math.floor(now() / 1000),
      };
      if (request.accessToken !== undefined) claims.ath = await athOf(request.accessToken);
      const nonce = nonces.get(url.origin);
      if (nonce !== undefined) claims.nonce = nonce;
      const input = `${key.header}.${encodeJson(claims)}`;
      const signature = await crypto.subtle.sign(
        key.sign,
        key.privateKey,
        new TextEncoder().encode(input),
      );
      return `${input}.${base64url(new Uint8Array(signature))}`;
    },
    rememberNonce(target, nonce) {
      if (nonce.length > MAX_NONCE_LENGTH || !NONCE_PATTERN.test(nonce)) return;
      const origin = new URL(target).origin;
      nonces.delete(origin);
      nonces.set(origin, nonce);
      if (nonces.size > MAX_NONCE_ORIGINS) nonces.delete(nonces.keys().next().value as string);
    },
    nonceFor: (target) => nonces.get(new URL(target).origin),
  };
}

async function keyMaterial(keyPair: CryptoKeyPair): Promise<KeyMaterial> {
  const { privateKey, publicKey } = keyPair ?? {};
  if (privateKey?.type !== "private" || publicKey?.type !== "public") {
    throw new ConfigurationError(
      "DPoP: the key pair must be a WebCrypto CryptoKeyPair ({ privateKey, publicKey }).",
    );
  }
  const algorithmName = dpopAlgorithm(privateKey);
  const jwk = await crypto.subtle.exportKey("jwk", publicKey);
  // Only the members RFC 7638 names: the thumbprint and the proof's header agree.
  const members: Record<string, string | undefined> =
    jwk.kty === "EC"
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : jwk.kty === "OKP"
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
        : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  const publicJwk = JSON.stringify(members);
  const header = encodeJson({ typ: "dpop+jwt", alg: algorithmName, jwk: members });
  const sign =
    algorithmName === "ES256"
      ? { name: "ECDSA", hash: "SHA-256" }
      : algorithmName === "EdDSA"
        ? { name: "Ed25519" }
        : { name: "RSASSA-PKCS1-v1_5" };
  return { privateKey, header, thumbprint: await sha256(publicJwk), sign };
}

function dpopAlgorithm(key: CryptoKey): DPoPAlgorithm {
  const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  if (algorithm.name === "ECDSA" && algorithm.namedCurve === "P-256") return "ES256";
  if (algorithm.name === "Ed25519") return "EdDSA";
  if (algorithm.name === "RSASSA-PKCS1-v1_5" && algorithm.hash?.name === "SHA-256") return "RS256";
  throw new ConfigurationError(
    `DPoP: a ${algorithm.name}${algorithm.namedCurve ? ` ${algorithm.namedCurve}` : ""} key cannot sign proofs; use ES256 (ECDSA P-256), EdDSA (Ed25519) or RS256 (RSASSA-PKCS1-v1_5, SHA-256).`,
  );
}

function encodeJson(value: unknown): string {
  return base64url(new TextEncoder().encode(JSON.stringify(value)));
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return base64url(new Uint8Array(digest));
}
