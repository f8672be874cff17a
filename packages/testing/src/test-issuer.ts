import { randomUUID } from "node:crypto";
import {
  createLocalJWKSet,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";

/** Claims of a token signed by a {@link TestIssuer}. */
export interface TestIssuerClaims {
  /** The subject, e.g. `system:serviceaccount:default:my-app`. */
  sub: string;
  /** The audience. */
  aud: string | string[];
  /** Lifetime in seconds from now. Default 600; negative for an expired token. */
  expiresInSeconds?: number;
  /** More claims. */
  [claim: string]: unknown;
}

/**
 * A second token issuer in the test kit — a Kubernetes cluster, a CI system — whose JWTs the
 * test identity provider accepts as federated client assertions and as token-exchange subject
 * tokens. It only signs; nothing is served over the network.
 */
export interface TestIssuer {
  /** Its issuer identifier (`iss` of what it signs). */
  readonly issuer: string;
  /** Its public keys. */
  readonly jwks: { keys: JWK[] };
  /** Signs a JWT with these claims (RS256, the current key, a fresh `jti`). */
  sign(claims: TestIssuerClaims): Promise<string>;
  /** Adds a new signing key; tokens signed before stay valid (their key stays in `jwks`). */
  rotateKey(): Promise<void>;
  /**
   * Verifies a token it signed: signature, `iss`, `exp` and one of `audiences`.
   *
   * @throws jose's error (with its `code`) when the token does not verify.
   */
  verify(token: string, audiences: string[]): Promise<JWTPayload>;
}

/** Options of {@link createTestIssuer}. */
export interface TestIssuerOptions {
  /** The issuer identifier. Default `"https://cluster.proxy-auth.test"`. */
  issuer?: string;
}

/**
 * Makes a {@link TestIssuer}.
 *
 * @example
 * ```ts
 * const cluster = await createTestIssuer();
 * const assertion = await cluster.sign({ sub: "system:serviceaccount:default:app", aud: idp.issuer });
 * ```
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const issuer = options.issuer ?? "https://cluster.proxy-auth.test";
  const keys: JWK[] = [];
  let signingKey: { key: CryptoKey; kid: string } | undefined;
  const rotateKey = async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const kid = `cluster-key-${keys.length + 1}`;
    keys.push({ ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" });
    signingKey = { key: privateKey, kid };
  };
  await rotateKey();
  return {
    issuer,
    jwks: { keys },
    rotateKey,
    sign: async ({ sub, aud, expiresInSeconds = 600, ...claims }) => {
      const now = Math.floor(Date.now() / 1000);
      const current = signingKey as { key: CryptoKey; kid: string };
      return new SignJWT(claims as JWTPayload)
        .setProtectedHeader({ alg: "RS256", kid: current.kid, typ: "JWT" })
        .setIssuer(issuer)
        .setSubject(sub)
        .setAudience(aud)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + expiresInSeconds)
        .setJti(randomUUID())
        .sign(current.key);
    },
    verify: async (token, audiences) => {
      const { payload } = await jwtVerify(token, createLocalJWKSet({ keys }), {
        issuer,
        audience: audiences,
        algorithms: ["RS256"],
      });
      return payload;
    },
  };
}

/** The `iss` of a JWT, without verifying it (undefined when it is not a JWT). */
export function unverifiedIssuer(token: string): string | undefined {
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === "string" ? iss : undefined;
  } catch {
    return undefined;
  }
}
