import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../errors.js";
import { base64url } from "./base64url.js";
import { createDPoPProver, DPOP_PROVER, dpopProverOf } from "./dpop-prover.js";

const decode = (part: string) =>
  JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
const bytes = (part: string) =>
  Uint8Array.from(atob(part.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const sha256 = async (text: string) =>
  base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));

const algorithms = {
  ES256: [
    { name: "ECDSA", namedCurve: "P-256" },
    { name: "ECDSA", hash: "SHA-256" },
  ],
  EdDSA: [{ name: "Ed25519" }, { name: "Ed25519" }],
  RS256: [
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    { name: "RSASSA-PKCS1-v1_5" },
  ],
} as const;

describe("createDPoPProver (RFC 9449 proofs, WebCrypto only)", () => {
  for (const [alg, [generate, verify]] of Object.entries(algorithms)) {
    it(`${alg}: a proof verifies with its embedded key and carries htm, htu, iat, jti, ath`, async () => {
      const keyPair = (await crypto.subtle.generateKey(generate, false, [
        "sign",
        "verify",
      ])) as CryptoKeyPair;
      const prover = createDPoPProver(keyPair, { now: () => 1_700_000_000_500 });
      const proof = await prover.proof({
        method: "post",
        url: "https://proxy.example.com/v1/chat/completions?x=1#frag",
        accessToken: "the-token",
      });
      const [header = "", payload = "", signature = ""] = proof.split(".");
      const head = decode(header);
      expect(head).toMatchObject({ typ: "dpop+jwt", alg });
      const claims = decode(payload);
      expect(claims).toMatchObject({
        htm: "POST",
        htu: "https://proxy.example.com/v1/chat/completions",
        iat: 1_700_000_000,
        ath: await sha256("the-token"),
      });
      expect(claims.nonce).toBeUndefined();
      const embedded = await crypto.subtle.importKey(
        "jwk",
        head.jwk as JsonWebKey,
        generate,
        true,
        ["verify"],
      );
      const valid = await crypto.subtle.verify(
        verify,
        embedded,
        bytes(signature),
        new TextEncoder().encode(`${header}.${payload}`),
      );
      expect(valid).toBe(true);
      // The thumbprint is over the RFC 7638 members, in order.
      const jwk = head.jwk as Record<string, string>;
      const members =
        alg === "RS256"
          ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
          : alg === "EdDSA"
            ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
            : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
      expect(await prover.thumbprint()).toBe(await sha256(JSON.stringify(members)));
      // No private member in the header.
      expect(jwk.d).toBeUndefined();
    });
  }

  it("every proof has its own jti; the nonce is remembered per origin", async () => {
    const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
      "sign",
      "verify",
    ]);
    const prover = createDPoPProver(keyPair);
    const a = "https://a.example.com/x";
    prover.rememberNonce("https://a.example.com/other", "nonce-a");
    // Not visible ASCII: refused, the old nonce stays.
    prover.rememberNonce(a, "bad nonce");
    prover.rememberNonce(a, "x".repeat(600));
    const first = decode((await prover.proof({ method: "GET", url: a })).split(".")[1] ?? "");
    const second = decode((await prover.proof({ method: "GET", url: a })).split(".")[1] ?? "");
    const other = decode(
      (await prover.proof({ method: "GET", url: "https://b.example.com/x" })).split(".")[1] ?? "",
    );
    expect(first.jti).not.toBe(second.jti);
    expect(first.nonce).toBe("nonce-a");
    expect(other.nonce).toBeUndefined();
    expect(first.ath).toBeUndefined();
  });

  it("ath follows the token: a new token gets its own hash, never the previous one's", async () => {
    const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
      "sign",
      "verify",
    ]);
    const prover = createDPoPProver(keyPair);
    const url = "https://a.example.com/x";
    const athOf = async (accessToken: string) =>
      decode((await prover.proof({ method: "GET", url, accessToken })).split(".")[1] ?? "").ath;
    expect(await athOf("token-1")).toBe(await sha256("token-1"));
    expect(await athOf("token-2")).toBe(await sha256("token-2"));
    expect(await athOf("token-1")).toBe(await sha256("token-1"));
  });

  it("refuses keys that cannot sign DPoP proofs, naming the algorithms that can", async () => {
    const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, false, [
      "sign",
      "verify",
    ]);
    const prover = createDPoPProver(keyPair);
    await expect(prover.proof({ method: "GET", url: "https://a.example/" })).rejects.toThrow(
      ConfigurationError,
    );
    await expect(prover.thumbprint()).rejects.toThrow(/ES256.*EdDSA.*RS256/);
    await expect(
      createDPoPProver({} as CryptoKeyPair).proof({ method: "GET", url: "https://a.example/" }),
    ).rejects.toThrow(/CryptoKeyPair/);
  });

  it("dpopProverOf reads the symbol-keyed method, and nothing else", () => {
    const prover = createDPoPProver(() => Promise.reject(new Error("unused")));
    const credential = { getToken: () => ({ token: "t", expiresOn: 1 }) };
    Object.defineProperty(credential, DPOP_PROVER, { value: () => prover });
    expect(dpopProverOf(credential)).toBe(prover);
    expect(JSON.stringify(credential)).not.toContain("prover");
    expect(dpopProverOf({})).toBeUndefined();
    expect(dpopProverOf(undefined)).toBeUndefined();
  });
});
