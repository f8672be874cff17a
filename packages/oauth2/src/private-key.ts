import { ConfigurationError } from "@proxy-auth/core";

/** A private key as the options accept it: PKCS#8 PEM, a private JWK, or a WebCrypto key. */
export type PrivateKeyInput = string | JsonWebKey | CryptoKey;

/** A signing key ready for oauth4webapi, and the JWS `alg` it signs with. */
export interface SigningKey {
  key: CryptoKey;
  algorithm: string;
}

type ImportParameters = RsaHashedImportParams | EcKeyImportParams | Algorithm;

/** The WebCrypto import parameters of each supported JWS algorithm. */
const ALGORITHMS: Record<string, ImportParameters> = {
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  RS384: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
  RS512: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" },
  PS256: { name: "RSA-PSS", hash: "SHA-256" },
  PS384: { name: "RSA-PSS", hash: "SHA-384" },
  PS512: { name: "RSA-PSS", hash: "SHA-512" },
  ES256: { name: "ECDSA", namedCurve: "P-256" },
  ES384: { name: "ECDSA", namedCurve: "P-384" },
  ES512: { name: "ECDSA", namedCurve: "P-521" },
  EdDSA: { name: "Ed25519" },
  Ed25519: { name: "Ed25519" },
};

/** Own keys only: "constructor" or "toString" are on every object's prototype, not algorithms. */
function isAlgorithm(name: unknown): name is string {
  return typeof name === "string" && Object.hasOwn(ALGORITHMS, name);
}

/** What a PEM key without `signingAlgorithm` is tried as, in order. */
const PEM_CANDIDATES = ["RS256", "ES256", "ES384", "ES512", "EdDSA"];

const PEM_PATTERN =
  /^-----BEGIN PRIVATE KEY-----\s+([A-Za-z0-9+/=\s]+?)\s*-----END PRIVATE KEY-----$/;

/**
 * Checks the shape of a private key where it is given, so a wrong value fails in the
 * constructor. The import itself is asynchronous (WebCrypto) and happens on first use.
 *
 * @throws ConfigurationError naming what is wrong, never echoing the key.
 */
export function checkPrivateKey(
  value: unknown,
  signingAlgorithm: unknown,
  owner: string,
): { privateKey: PrivateKeyInput; signingAlgorithm: string | undefined } {
  if (signingAlgorithm !== undefined && !isAlgorithm(signingAlgorithm)) {
    throw new ConfigurationError(
      `${owner}: "signingAlgorithm" must be one of ${Object.keys(ALGORITHMS).join(", ")}.`,
    );
  }
  const algorithm = signingAlgorithm as string | undefined;
  if (typeof value === "string") {
    if (/-----BEGIN (RSA |EC |ENCRYPTED )PRIVATE KEY-----/.test(value)) {
      throw new ConfigurationError(
        `${owner}: "privateKey" is a PKCS#1, SEC1 or encrypted PEM; convert it to unencrypted PKCS#8 ("-----BEGIN PRIVATE KEY-----"), e.g. with \`openssl pkcs8 -topk8 -nocrypt -in key.pem\`.`,
      );
    }
    if (!PEM_PATTERN.test(value.trim()) || !decodesAsBase64(value)) {
      throw new ConfigurationError(
        `${owner}: "privateKey" must be a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), a private JWK or a CryptoKey.`,
      );
    }
    return { privateKey: value, signingAlgorithm: algorithm };
  }
  if (isCryptoKey(value)) {
    if (value.type !== "private" || !value.usages.includes("sign")) {
      throw new ConfigurationError(
        `${owner}: "privateKey" must be a private CryptoKey with the "sign" usage.`,
      );
    }
    algorithmOfCryptoKey(value, algorithm, owner);
    return { privateKey: value, signingAlgorithm: algorithm };
  }
  if (typeof value === "object" && value !== null) {
    const jwk = value as JsonWebKey;
    if (typeof jwk.d !== "string") {
      throw new ConfigurationError(
        `${owner}: "privateKey" is a JWK without its private part ("d"); give the private key, not the public one.`,
      );
    }
    algorithmOfJwk(jwk, algorithm, owner);
    return { privateKey: value as JsonWebKey, signingAlgorithm: algorithm };
  }
  throw new ConfigurationError(
    `${owner}: "privateKey" must be a PKCS#8 PEM string, a private JWK or a CryptoKey.`,
  );
}

/**
 * Imports a checked private key with WebCrypto (any runtime), choosing the JWS algorithm from
 * the key when `signingAlgorithm` is not given.
 *
 * @throws ConfigurationError when the key material cannot be imported.
 */
export async function importPrivateKey(
  value: PrivateKeyInput,
  signingAlgorithm: string | undefined,
  owner: string,
): Promise<SigningKey> {
  if (isCryptoKey(value)) {
    return { key: value, algorithm: algorithmOfCryptoKey(value, signingAlgorithm, owner) };
  }
  if (typeof value === "string") {
    const der = base64Decode((PEM_PATTERN.exec(value.trim())?.[1] ?? "").replace(/\s+/g, ""));
    const candidates =
      signingAlgorithm === undefined ? likelyFirst(der, PEM_CANDIDATES) : [signingAlgorithm];
    for (const algorithm of candidates) {
      try {
        const key = await crypto.subtle.importKey(
          "pkcs8",
          der,
          ALGORITHMS[algorithm] as ImportParameters,
          false,
          ["sign"],
        );
        return { key, algorithm };
      } catch {
        // Not this key type: try the next one.
      }
    }
    throw new ConfigurationError(
      signingAlgorithm === undefined
        ? `${owner}: "privateKey" could not be imported as an RSA, EC (P-256, P-384, P-521) or Ed25519 PKCS#8 key.`
        : `${owner}: "privateKey" could not be imported for "signingAlgorithm" ${signingAlgorithm}.`,
    );
  }
  const algorithm = algorithmOfJwk(value, signingAlgorithm, owner);
  // Only the key parameters: `alg`, `use` or `key_ops` on the JWK must not veto the import.
  const { kty, crv, n, e, d, p, q, dp, dq, qi, x, y } = value;
  const material = Object.fromEntries(
    Object.entries({ kty, crv, n, e, d, p, q, dp, dq, qi, x, y }).filter(
      ([, field]) => field !== undefined,
    ),
  );
  try {
    const key = await crypto.subtle.importKey(
      "jwk",
      material,
      ALGORITHMS[algorithm] as ImportParameters,
      false,
      ["sign"],
    );
    return { key, algorithm };
  } catch {
    throw new ConfigurationError(
      `${owner}: "privateKey" (a ${kty} JWK) could not be imported for ${algorithm}.`,
    );
  }
}

/** The key-type OIDs of PKCS#8 (DER), and the algorithm each suggests. */
const KEY_OIDS: [number[], string][] = [
  [[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01], "RS256"],
  [[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07], "ES256"],
  [[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22], "ES384"],
  [[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23], "ES512"],
  [[0x06, 0x03, 0x2b, 0x65, 0x70], "EdDSA"],
];

/**
 * The candidates with the one the key's AlgorithmIdentifier names first, so the usual key
 * imports at the first attempt (WebCrypto remains the judge: a wrong guess just fails).
 */
function likelyFirst(der: Uint8Array, candidates: string[]): string[] {
  const header = Array.from(der.subarray(0, 40));
  const match = KEY_OIDS.find(([oid]) =>
    header.some((_, start) => oid.every((byte, index) => header[start + index] === byte)),
  );
  return match === undefined
    ? candidates
    : [match[1], ...candidates.filter((name) => name !== match[1])];
}

function algorithmOfJwk(jwk: JsonWebKey, wanted: string | undefined, owner: string): string {
  const natural =
    jwk.kty === "RSA"
      ? "RS256"
      : jwk.kty === "EC"
        ? ({ "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" } as Record<string, string>)[
            jwk.crv ?? ""
          ]
        : jwk.kty === "OKP" && jwk.crv === "Ed25519"
          ? "EdDSA"
          : undefined;
  if (natural === undefined) {
    throw new ConfigurationError(
      `${owner}: "privateKey" must be an RSA, EC (P-256, P-384, P-521) or Ed25519 (OKP) JWK.`,
    );
  }
  const algorithm = wanted ?? (isAlgorithm(jwk.alg) ? jwk.alg : natural);
  checkFamily(natural, algorithm, owner);
  return algorithm;
}

function algorithmOfCryptoKey(key: CryptoKey, wanted: string | undefined, owner: string): string {
  const parameters = key.algorithm as Partial<RsaHashedKeyAlgorithm & EcKeyAlgorithm>;
  const bits = parameters.hash?.name?.replace("SHA-", "");
  const natural =
    parameters.name === "RSASSA-PKCS1-v1_5"
      ? `RS${bits}`
      : parameters.name === "RSA-PSS"
        ? `PS${bits}`
        : parameters.name === "ECDSA"
          ? ({ "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" } as Record<string, string>)[
              parameters.namedCurve ?? ""
            ]
          : parameters.name === "Ed25519"
            ? "EdDSA"
            : undefined;
  if (natural === undefined || !isAlgorithm(natural)) {
    throw new ConfigurationError(
      `${owner}: "privateKey" is a ${parameters.name} CryptoKey; use RSASSA-PKCS1-v1_5, RSA-PSS, ECDSA or Ed25519.`,
    );
  }
  // A CryptoKey is bound to its algorithm: only the Ed25519 spelling may differ.
  const algorithm = wanted ?? natural;
  if (algorithm !== natural && !(natural === "EdDSA" && algorithm === "Ed25519")) {
    throw new ConfigurationError(
      `${owner}: "signingAlgorithm" ${algorithm} does not match the CryptoKey (${natural}).`,
    );
  }
  return algorithm;
}

/** RSA keys sign RS* or PS*; EC keys only their curve's ES*; Ed25519 keys EdDSA (or Ed25519). */
function checkFamily(natural: string, algorithm: string, owner: string): void {
  const family = (name: string) =>
    name.startsWith("Ed") ? "Ed" : name.startsWith("ES") ? name : "RSA";
  if (family(natural) !== family(algorithm)) {
    throw new ConfigurationError(
      `${owner}: "signingAlgorithm" ${algorithm} does not fit the key (${natural}).`,
    );
  }
}

function decodesAsBase64(pem: string): boolean {
  try {
    base64Decode((PEM_PATTERN.exec(pem.trim())?.[1] ?? "").replace(/\s+/g, ""));
    return true;
  } catch {
    return false;
  }
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== "undefined" && value instanceof CryptoKey;
}

function base64Decode(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
