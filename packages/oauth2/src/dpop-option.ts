import { ConfigurationError } from "@proxy-auth/core";
import { createDPoPProver, DPOP_PROVER, type DPoPProver } from "@proxy-auth/core/internal";
import * as oauth from "oauth4webapi";

/** The `dpop` option of the credentials: DPoP-bound tokens (RFC 9449). */
export interface DPoPOptions {
  /**
   * The key pair tokens are bound to (WebCrypto; the private key may, and should, be
   * non-extractable; the public key must be extractable, as WebCrypto makes it). ES256 (ECDSA
   * P-256), EdDSA (Ed25519) or RS256. Default: the credential generates a non-extractable key
   * pair of `algorithm` on first use, kept in memory only. Give the same pair to every process
   * that should share one token through a shared `TokenCache` (see `@proxy-auth/cache-redis`).
   */
  keyPair?: CryptoKeyPair;
  /** The algorithm of the generated key pair. Default `"ES256"`. Ignored with `keyPair`. */
  algorithm?: "ES256" | "EdDSA" | "RS256";
  /**
   * Accept a Bearer token when the provider ignores the DPoP proof (it does not support DPoP,
   * or not for this client). Default `false`: such an answer is a `TokenAcquisitionError`, since
   * the caller asked for sender-constrained tokens and a bearer token would silently weaken that.
   */
  allowDowngrade?: boolean;
}

/** A credential's resolved DPoP setting: its key, its proofs for both sides, its rule. */
export interface DPoPBinding {
  /** The key pair, made on first use when the caller gave none. */
  keyPair(): Promise<CryptoKeyPair>;
  /** oauth4webapi's handle for the token endpoint's proofs and nonces (one per credential). */
  handle(client: oauth.Client): Promise<oauth.DPoPHandle>;
  /** The proofs for requests to the proxy (core's one auth path). */
  readonly prover: DPoPProver;
  readonly allowDowngrade: boolean;
}

const ALGORITHMS = new Set(["ES256", "EdDSA", "RS256"]);

/**
 * Checks the `dpop` option (`true` or an object) of `owner`.
 *
 * @throws ConfigurationError naming the field to fix.
 */
export function resolveDPoP(owner: string, value: unknown): DPoPBinding | undefined {
  if (value === undefined || value === false) return undefined;
  const given = (value === true ? {} : value) as Record<string, unknown>;
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw new ConfigurationError(
      `${owner}: "dpop" must be true or an object ({ keyPair?, algorithm?, allowDowngrade? }).`,
    );
  }
  const { keyPair, algorithm = "ES256", allowDowngrade = false } = given;
  if (typeof algorithm !== "string" || !ALGORITHMS.has(algorithm)) {
    throw new ConfigurationError(`${owner}: dpop.algorithm must be "ES256", "EdDSA" or "RS256".`);
  }
  if (typeof allowDowngrade !== "boolean") {
    throw new ConfigurationError(`${owner}: dpop.allowDowngrade must be a boolean.`);
  }
  if (keyPair !== undefined) checkKeyPair(owner, keyPair);
  let pair: Promise<CryptoKeyPair> | undefined;
  const getPair = () => {
    pair ??=
      keyPair === undefined
        ? oauth.generateKeyPair(algorithm === "EdDSA" ? "Ed25519" : algorithm, {
            extractable: false,
          })
        : Promise.resolve(keyPair as CryptoKeyPair);
    return pair;
  };
  let handle: Promise<oauth.DPoPHandle> | undefined;
  return {
    keyPair: getPair,
    handle: (client) => {
      handle ??= getPair().then((resolved) => oauth.DPoP(client, resolved));
      return handle;
    },
    // The prover waits for the same pair: one key for the token endpoint and the proxy.
    prover: createDPoPProver(getPair),
    allowDowngrade,
  };
}

/**
 * Gives `credential` its prover under core's symbol: not enumerable, not serialised, and only
 * the prover (which signs, never reveals the key).
 */
export function attachProver(credential: object, binding: DPoPBinding | undefined): void {
  if (binding === undefined) return;
  Object.defineProperty(credential, DPOP_PROVER, { value: () => binding.prover });
}

function checkKeyPair(owner: string, keyPair: unknown): void {
  const { privateKey, publicKey } = (keyPair ?? {}) as Partial<CryptoKeyPair>;
  if (
    typeof CryptoKey === "undefined" ||
    !(privateKey instanceof CryptoKey) ||
    !(publicKey instanceof CryptoKey) ||
    privateKey.type !== "private" ||
    publicKey.type !== "public"
  ) {
    throw new ConfigurationError(
      `${owner}: dpop.keyPair must be a WebCrypto CryptoKeyPair ({ privateKey, publicKey }), e.g. from crypto.subtle.generateKey.`,
    );
  }
  if (!publicKey.extractable) {
    throw new ConfigurationError(
      `${owner}: the public key of dpop.keyPair must be extractable (it travels in every proof); the private key need not be.`,
    );
  }
}

/**
 * The token endpoint's nonce rule (RFC 9449 §8): a `use_dpop_nonce` answer to the first request
 * of a DPoP credential is retried once (oauth4webapi's handle kept the `DPoP-Nonce`); any other
 * failure, or a second demand, is not.
 */
export function retriesForDPoPNonce(
  round: number,
  handle: oauth.DPoPHandle | undefined,
  error: unknown,
): boolean {
  return round === 1 && handle !== undefined && oauth.isDPoPNonceError(error);
}
