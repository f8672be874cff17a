import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { calculateJwkThumbprint, EmbeddedJWK, type JWTPayload, jwtVerify } from "jose";

/** How the mock proxy checks DPoP (RFC 9449 §4.3, §7), as a resource server must. */
export interface DPoPCheckOptions {
  /** Refuse bearer tokens altogether: every caller must use DPoP. Default false. */
  required?: boolean;
  /**
   * Require the proxy's nonce in proofs: a proof without the current one gets
   * `401 WWW-Authenticate: DPoP error="use_dpop_nonce"` with a `DPoP-Nonce` header. Default false.
   */
  requireNonce?: boolean;
  /** How far a proof's `iat` may be from now, in seconds. Default 60. */
  maxAgeSeconds?: number;
  /** Clock in seconds. Default the system clock. */
  now?: () => number;
}

/** Why a request was refused, and the headers of the 401. */
export interface DPoPRefusal {
  reason: string;
  headers: Record<string, string>;
}

/** The largest number of `jti`s remembered; past it the proxy refuses proofs (fail closed). */
const MAX_SEEN_JTI = 100_000;
const ALGORITHMS = ["ES256", "EdDSA", "Ed25519", "RS256"];

/** The token of `Authorization: DPoP <token>`, when the request uses that scheme. */
export function dpopToken(request: IncomingMessage): string | undefined {
  const value = request.headers.authorization;
  if (typeof value !== "string" || !/^dpop /i.test(value)) return undefined;
  return value.slice(5).trim() || undefined;
}

/**
 * A resource server's DPoP check: the proof's signature with its embedded public key, `typ`,
 * `htm`/`htu` against the request, the `iat` window, `ath` against the token, the token's
 * `cnf.jkt` against the key's thumbprint, a `jti` never seen within the window (a bounded
 * replay cache), the nonce when required; and a DPoP-bound token used as a bearer token refused.
 */
export function createDPoPCheck(options: DPoPCheckOptions = {}) {
  const maxAge = options.maxAgeSeconds ?? 60;
  const now = options.now ?? (() => Date.now() / 1000);
  const nonce = randomBytes(16).toString("base64url");
  const seen = new Map<string, number>();
  const challenge = (reason: string, error = "invalid_dpop_proof"): DPoPRefusal => ({
    reason,
    headers: {
      "www-authenticate": `DPoP error="${error}", algs="${ALGORITHMS.join(" ")}"`,
      ...(options.requireNonce ? { "dpop-nonce": nonce } : {}),
    },
  });

  const remember = (jti: string): boolean => {
    const current = now();
    for (const [key, expiry] of seen) {
      if (expiry > current) break;
      seen.delete(key);
    }
    if (seen.has(jti) || seen.size >= MAX_SEEN_JTI) return false;
    seen.set(jti, current + 2 * maxAge);
    return true;
  };

  return {
    /** The nonce the proxy currently wants. */
    nonce,
    /**
     * Checks one request whose token's claims are verified. Resolves a refusal, or undefined
     * when the request may go on.
     */
    async check(
      request: IncomingMessage,
      token: string,
      claims: JWTPayload,
      usedDPoPScheme: boolean,
    ): Promise<DPoPRefusal | undefined> {
      const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
      if (!usedDPoPScheme) {
        if (jkt !== undefined)
          return challenge("DPoP-bound token used as a bearer token", "invalid_token");
        if (options.required) return challenge("DPoP required", "invalid_token");
        return undefined;
      }
      if (typeof jkt !== "string") return challenge("token is not DPoP-bound", "invalid_token");
      const proof = request.headers.dpop;
      if (typeof proof !== "string" || proof.includes(",")) {
        return challenge("missing or multiple DPoP proofs");
      }
      let payload: JWTPayload;
      let key: Record<string, unknown>;
      try {
        const verified = await jwtVerify(proof, EmbeddedJWK, {
          typ: "dpop+jwt",
          algorithms: ALGORITHMS,
        });
        payload = verified.payload;
        key = verified.protectedHeader.jwk as Record<string, unknown>;
      } catch (error) {
        return challenge(
          `invalid DPoP proof (${(error as { code?: string }).code ?? "unverifiable"})`,
        );
      }
      if ("d" in key) return challenge("DPoP proof embeds a private key");
      const url = new URL(request.url ?? "/", `http://${request.headers.host}`);
      if (payload.htm !== request.method) return challenge("DPoP proof for another method");
      if (payload.htu !== `${url.origin}${url.pathname}`)
        return challenge("DPoP proof for another URL");
      if (typeof payload.iat !== "number" || Math.abs(now() - payload.iat) > maxAge) {
        return challenge("DPoP proof outside the iat window");
      }
      const ath = createHash("sha256").update(token).digest("base64url");
      if (payload.ath !== ath) return challenge("DPoP proof for another token (ath)");
      if ((await calculateJwkThumbprint(key)) !== jkt) {
        return challenge("DPoP proof signed by another key (cnf.jkt)", "invalid_token");
      }
      if (options.requireNonce && payload.nonce !== nonce) {
        return challenge("DPoP nonce required", "use_dpop_nonce");
      }
      if (typeof payload.jti !== "string" || !remember(payload.jti)) {
        return challenge("DPoP proof replayed (jti seen before)");
      }
      return undefined;
    },
  };
}

/**
 * The thumbprint of the key of a token request's DPoP proof (RFC 9449 §4.3: signature, `typ`,
 * `htm` POST, `htu` the token endpoint, `iat` within a minute), for a grant that oidc-provider
 * does not bind itself (our token exchange). Undefined without a proof.
 *
 * @throws Error naming the fault of an invalid proof.
 */
export async function tokenRequestProofThumbprint(
  request: IncomingMessage,
  tokenEndpoint: string,
): Promise<string | undefined> {
  const proof = request.headers.dpop;
  if (proof === undefined) return undefined;
  if (typeof proof !== "string") throw new Error("multiple DPoP proofs");
  const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
    typ: "dpop+jwt",
    algorithms: ALGORITHMS,
  });
  if (payload.htm !== "POST" || payload.htu !== tokenEndpoint) {
    throw new Error("DPoP proof for another method or URL");
  }
  if (typeof payload.iat !== "number" || Math.abs(Date.now() / 1000 - payload.iat) > 60) {
    throw new Error("DPoP proof outside the iat window");
  }
  return calculateJwkThumbprint(protectedHeader.jwk as Record<string, string>);
}
