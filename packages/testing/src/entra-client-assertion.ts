import { createHash, X509Certificate } from "node:crypto";
import { decodeProtectedHeader, importX509, jwtVerify } from "jose";
import type { TestIssuer } from "./test-issuer.js";

/** How an Entra app registration may authenticate without a secret. */
export interface EntraAssertionClient {
  /**
   * A certificate credential: the PEM certificate whose private key signs the app's client
   * assertions (`iss` = `sub` = client id, `aud` = the token endpoint), found by `x5t#S256` or
   * `x5t` — what `ClientCertificateCredential` sends.
   */
  certificate?: string;
  /**
   * A federated credential: JWTs of `issuer` with this `subject` and `audience` (default
   * `api://AzureADTokenExchange`) — what `WorkloadIdentityCredential` sends from
   * `AZURE_FEDERATED_TOKEN_FILE`.
   */
  federated?: { issuer: TestIssuer; subject: string; audience?: string };
}

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/**
 * Checks a client assertion as Entra does for a certificate or a federated credential.
 *
 * @returns How the app authenticated, or undefined when the assertion is not good.
 */
export async function verifyEntraAssertion(
  client: EntraAssertionClient & { clientId: string },
  assertion: string,
  assertionType: string | undefined,
  tokenEndpoint: string,
): Promise<{ method: "certificate" | "federated"; identity?: string } | undefined> {
  if (assertionType !== JWT_BEARER) return undefined;
  try {
    if (client.federated !== undefined) {
      const { issuer, subject, audience = "api://AzureADTokenExchange" } = client.federated;
      const claims = await issuer.verify(assertion, [audience]);
      return claims.sub === subject ? { method: "federated", identity: subject } : undefined;
    }
    if (client.certificate !== undefined) {
      const header = decodeProtectedHeader(assertion);
      const raw = new X509Certificate(client.certificate).raw;
      const sha256 = createHash("sha256").update(raw).digest("base64url");
      const sha1 = createHash("sha1").update(raw).digest("base64url");
      const named = header["x5t#S256"] ?? header.x5t;
      if (named !== sha256 && named !== sha1) return undefined;
      const alg = header.alg === "PS256" ? "PS256" : "RS256";
      const { payload } = await jwtVerify(assertion, await importX509(client.certificate, alg), {
        issuer: client.clientId,
        subject: client.clientId,
        audience: tokenEndpoint,
        algorithms: [alg],
        // Entra allows five minutes of clock skew; MSAL stamps nbf a second ahead at times.
        clockTolerance: 300,
      });
      return payload.jti === undefined ? undefined : { method: "certificate", identity: named };
    }
  } catch {
    return undefined;
  }
  return undefined;
}
