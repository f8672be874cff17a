import { ConfigurationError } from "@proxy-auth/core";
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { checkPrivateKey, importPrivateKey } from "./private-key.js";

const OWNER = "Test";

async function pair(alg: string) {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}),
  });
  return { privateKey, pem: await exportPKCS8(privateKey), jwk: await exportJWK(privateKey) };
}

const configurationError = (run: () => unknown): ConfigurationError => {
  try {
    run();
  } catch (error) {
    expect(ConfigurationError.isInstance(error)).toBe(true);
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError");
};

describe("private keys: PEM, JWK and CryptoKey through WebCrypto", () => {
  it.each([
    ["RS256", "RS256"],
    ["PS256", "RS256"], // a PEM cannot tell: without signingAlgorithm RSA means RS256
    ["ES256", "ES256"],
    ["ES384", "ES384"],
    ["EdDSA", "EdDSA"],
  ])("a %s PKCS#8 PEM is imported as %s without signingAlgorithm", async (alg, expected) => {
    const { pem } = await pair(alg);
    const checked = checkPrivateKey(pem, undefined, OWNER);
    const { key, algorithm } = await importPrivateKey(checked.privateKey, undefined, OWNER);
    expect(algorithm).toBe(expected);
    expect(key.type).toBe("private");
    expect(key.extractable).toBe(false);
  });

  it("signingAlgorithm picks PS256 for an RSA PEM; a JWK's alg is honoured", async () => {
    const { pem, jwk } = await pair("RS256");
    expect((await importPrivateKey(pem, "PS256", OWNER)).algorithm).toBe("PS256");
    expect(
      (await importPrivateKey({ ...jwk, alg: "RS384", key_ops: ["sign"] }, undefined, OWNER))
        .algorithm,
    ).toBe("RS384");
  });

  it("a CryptoKey keeps its algorithm; a mismatching signingAlgorithm is refused", async () => {
    const { privateKey } = await pair("ES256");
    expect((await importPrivateKey(privateKey, undefined, OWNER)).algorithm).toBe("ES256");
    expect(configurationError(() => checkPrivateKey(privateKey, "RS256", OWNER)).message).toMatch(
      /does not match the CryptoKey \(ES256\)/,
    );
  });

  it.each([
    [
      "a PKCS#1 PEM",
      "-----BEGIN RSA PRIVATE KEY-----\nSENTINELabc\n-----END RSA PRIVATE KEY-----",
      /PKCS#1.*openssl pkcs8/,
    ],
    [
      "an encrypted PEM",
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nSENTINELabc\n-----END ENCRYPTED PRIVATE KEY-----",
      /encrypted/,
    ],
    [
      "a public key",
      "-----BEGIN PUBLIC KEY-----\nSENTINELabc\n-----END PUBLIC KEY-----",
      /PKCS#8 PEM/,
    ],
    ["a public JWK", { kty: "RSA", n: "SENTINEL", e: "AQAB" }, /without its private part/],
    ["an octet JWK", { kty: "oct", k: "SENTINEL", d: "x" }, /RSA, EC .* or Ed25519/],
    ["a number", 42, /PKCS#8 PEM string, a private JWK or a CryptoKey/],
    [
      "a PEM whose base64 cannot decode",
      "-----BEGIN PRIVATE KEY-----\nSENTINELA\n-----END PRIVATE KEY-----",
      /must be a PKCS#8 PEM/,
    ],
  ])("refuses %s where it is given, without echoing it", (_, value, message) => {
    const error = configurationError(() => checkPrivateKey(value, undefined, OWNER));
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("SENTINEL");
  });

  it("refuses an unknown signingAlgorithm and one that does not fit the key", async () => {
    const { jwk } = await pair("ES256");
    expect(configurationError(() => checkPrivateKey(jwk, "HS256", OWNER)).message).toMatch(
      /must be one of/,
    );
    expect(configurationError(() => checkPrivateKey(jwk, "RS256", OWNER)).message).toMatch(
      /does not fit the key \(ES256\)/,
    );
  });

  it("a PEM with garbage inside fails at import with a ConfigurationError", async () => {
    const pem = "-----BEGIN PRIVATE KEY-----\nSENTINELAAAA\n-----END PRIVATE KEY-----";
    checkPrivateKey(pem, undefined, OWNER);
    const error = await importPrivateKey(pem, undefined, OWNER).catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).not.toContain("SENTINEL");
  });
});
