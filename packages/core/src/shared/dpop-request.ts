import { ConfigurationError } from "../errors.js";
import { type DPoPProver, dpopProverOf } from "./dpop-prover.js";

/** A token whose type is `DPoP` (case-insensitive, RFC 9449 §5): each request needs a proof. */
export function isDPoPTokenType(tokenType: string | undefined): boolean {
  return tokenType !== undefined && tokenType.toLowerCase() === "dpop";
}

/** The request a DPoP proof is made for. */
export interface DPoPTarget {
  method?: string | undefined;
  url?: string | URL | undefined;
}

/** What goes on the wire for a DPoP-bound token: the auth header value and the proof. */
export interface DPoPAuthorization {
  prover: DPoPProver;
  header: string;
  proof: string;
  method: string;
  url: string | URL;
}

/**
 * `Authorization: DPoP <token>` and a fresh proof for a DPoP-bound token, made with the prover
 * of the credential the token came from.
 *
 * @throws {@link ConfigurationError} when the credential has no prover or the request's method
 *   and URL are unknown: a DPoP-bound token is worth nothing without its proof.
 */
export async function dpopAuthorization(
  credential: unknown,
  token: string,
  target: DPoPTarget,
): Promise<DPoPAuthorization> {
  const prover = dpopProverOf(credential);
  if (prover === undefined) {
    throw new ConfigurationError(
      'The credential returned a DPoP-bound token (tokenType "DPoP") but offers no DPoP key to prove it with.',
    );
  }
  const { method, url } = target;
  if (method === undefined || url === undefined) {
    throw new ConfigurationError(
      "A DPoP-bound token needs the request's method and URL for its proof; this client does not give them.",
    );
  }
  const proof = await prover.proof({ method, url, accessToken: token });
  return { prover, header: `DPoP ${token}`, proof, method, url };
}

/**
 * Reads a resource server's answer for DPoP: remembers its `DPoP-Nonce` (for the next proofs to
 * its origin) and tells whether the answer is a `use_dpop_nonce` challenge (RFC 9449 §9), which
 * deserves one retry with a new proof carrying that nonce.
 */
export function takeDPoPNonce(
  dpop: DPoPAuthorization,
  status: number,
  header: (name: string) => string | null | undefined,
): boolean {
  const nonce = header("dpop-nonce");
  if (nonce === null || nonce === undefined || nonce === "") return false;
  const before = dpop.prover.nonceFor(dpop.url);
  dpop.prover.rememberNonce(dpop.url, nonce);
  if (status !== 401 || dpop.prover.nonceFor(dpop.url) === before) return false;
  const challenge = header("www-authenticate") ?? "";
  return /\bDPoP\b/i.test(challenge) && /error\s*=\s*"?use_dpop_nonce"?/i.test(challenge);
}
