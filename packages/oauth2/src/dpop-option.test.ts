import { inspect } from "node:util";
import { ConfigurationError, TokenAcquisitionError } from "@proxy-auth/core";
import { dpopProverOf } from "@proxy-auth/core/internal";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  startIdentityProvider,
  TOKEN_EXCHANGE_GRANT,
} from "@proxy-auth/testing";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenericOAuth2Credential } from "./generic-oauth2-credential.js";
import { TokenExchangeCredential } from "./token-exchange-credential.js";

let idp: IdentityProvider;
let nonceIdp: IdentityProvider;
let plainIdp: IdentityProvider;

beforeAll(async () => {
  const clients = [{ ...DEFAULT_CLIENT, grantTypes: ["client_credentials", TOKEN_EXCHANGE_GRANT] }];
  [idp, nonceIdp, plainIdp] = await Promise.all([
    startIdentityProvider({ clients }),
    startIdentityProvider({ dpop: { requireNonce: true } }),
    startIdentityProvider({ dpop: { enabled: false } }),
  ]);
});
afterAll(() => Promise.all([idp.close(), nonceIdp.close(), plainIdp.close()]));

const credential = (provider: IdentityProvider, dpop: unknown = true) =>
  new GenericOAuth2Credential({
    ...DEFAULT_CLIENT,
    tokenUrl: provider.tokenUrl,
    dpop: dpop as boolean,
  });

const generate = {
  ES256: () =>
    crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]),
  EdDSA: () => crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]),
  RS256: () =>
    crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      false,
      ["sign", "verify"],
    ),
} as const;

describe("the dpop option against a real OpenID provider (oidc-provider, DPoP on)", () => {
  it("dpop: true gets a DPoP-typed token bound (cnf.jkt) to the credential's own key", async () => {
    const made = credential(idp);
    const token = await made.getToken("litellm_proxy_api");
    expect(token.tokenType).toBe("DPoP");
    const prover = dpopProverOf(made);
    expect(prover).toBeDefined();
    expect(decodeJwt(token.token).cnf).toEqual({ jkt: await prover?.thumbprint() });
    expect(idp.tokenRequests.at(-1)).toMatchObject({ dpop: true, status: 200 });
  });

  for (const algorithm of ["ES256", "EdDSA", "RS256"] as const) {
    it(`binds to a caller's ${algorithm} key pair (non-extractable private key)`, async () => {
      const keyPair = (await generate[algorithm]()) as CryptoKeyPair;
      const made = credential(idp, { keyPair });
      const token = await made.getToken("litellm_proxy_api");
      expect(token.tokenType).toBe("DPoP");
      const thumbprint = await dpopProverOf(made)?.thumbprint();
      expect(decodeJwt(token.token).cnf).toEqual({ jkt: thumbprint });
      // The generated variant of the same algorithm binds too.
      const own = credential(idp, { algorithm });
      expect((await own.getToken("litellm_proxy_api")).tokenType).toBe("DPoP");
    });
  }

  it("answers the token endpoint's use_dpop_nonce with exactly one retry", async () => {
    const before = nonceIdp.tokenRequests.length;
    const made = credential(nonceIdp);
    const token = await made.getToken("litellm_proxy_api");
    expect(token.tokenType).toBe("DPoP");
    const requests = nonceIdp.tokenRequests.slice(before);
    expect(requests.map((request) => request.status)).toEqual([400, 200]);
    // The nonce is kept: the next grant needs no retry.
    await made.getToken("litellm_proxy_api");
    expect(nonceIdp.tokenRequests.slice(before).map((request) => request.status)).toEqual([
      400, 200, 200,
    ]);
  });

  it("a token endpoint that keeps demanding nonces gets one retry, then the error", async () => {
    let calls = 0;
    const demanding: typeof fetch = async () => {
      calls++;
      return new Response(JSON.stringify({ error: "use_dpop_nonce" }), {
        status: 400,
        headers: { "content-type": "application/json", "dpop-nonce": `nonce-${calls}` },
      });
    };
    const made = new GenericOAuth2Credential({
      ...DEFAULT_CLIENT,
      tokenUrl: idp.tokenUrl,
      dpop: true,
      fetch: demanding,
    });
    const failure = made.getToken("litellm_proxy_api");
    await expect(failure).rejects.toThrow(TokenAcquisitionError);
    await expect(failure).rejects.toMatchObject({ oauthError: "use_dpop_nonce" });
    expect(calls).toBe(2);
  });

  it("a Bearer answer to a DPoP request is an error, unless downgrade is allowed", async () => {
    const refused = credential(plainIdp).getToken("litellm_proxy_api");
    await expect(refused).rejects.toThrow(TokenAcquisitionError);
    await expect(refused).rejects.toThrow(/Bearer token to a DPoP request.*allowDowngrade/);
    const allowed = await credential(plainIdp, { allowDowngrade: true }).getToken(
      "litellm_proxy_api",
    );
    expect(allowed.tokenType).toBe("Bearer");
  });

  it("TokenExchangeCredential binds the exchanged token to its key", async () => {
    const made = new TokenExchangeCredential({
      tokenUrl: idp.tokenUrl,
      subjectToken: () => idp.cluster.sign({ sub: "workload", aud: idp.issuer }),
      clientId: DEFAULT_CLIENT.clientId,
      clientSecret: DEFAULT_CLIENT.clientSecret,
      dpop: true,
    });
    const token = await made.getToken("litellm_proxy_api");
    expect(token.tokenType).toBe("DPoP");
    expect(decodeJwt(token.token)).toMatchObject({
      sub: "workload",
      cnf: { jkt: await dpopProverOf(made)?.thumbprint() },
    });
  });

  it("the cache key names the key: one key, one shared token; two keys, two", async () => {
    const keyPair = (await generate.ES256()) as CryptoKeyPair;
    const [a, b] = [credential(idp, { keyPair }), credential(idp, { keyPair })];
    expect(await a.cacheKey()).toBe(await b.cacheKey());
    expect(await credential(idp).cacheKey()).not.toBe(await credential(idp).cacheKey());
    expect(await credential(idp, false).cacheKey()).not.toBe(await a.cacheKey());
  });

  it("the key is never enumerable, serialised or inspected", async () => {
    const made = credential(idp);
    await made.getToken("litellm_proxy_api");
    expect(Object.keys(made)).toEqual(["authMethod"]);
    expect(JSON.stringify(made)).not.toMatch(/prover|private|jwk/i);
    expect(inspect(made, { depth: 5 })).not.toMatch(/prover|CryptoKey/i);
  });

  it("refuses malformed dpop options, naming the field", () => {
    expect(() => credential(idp, "yes")).toThrow(ConfigurationError);
    expect(() => credential(idp, { algorithm: "HS256" })).toThrow(/dpop.algorithm/);
    expect(() => credential(idp, { allowDowngrade: "no" })).toThrow(/dpop.allowDowngrade/);
    expect(() => credential(idp, { keyPair: { privateKey: "k", publicKey: "k" } })).toThrow(
      /dpop.keyPair must be a WebCrypto CryptoKeyPair/,
    );
  });

  it("refuses a key pair whose public key cannot travel in proofs", async () => {
    const pair = (await generate.ES256()) as CryptoKeyPair;
    const publicKey = await crypto.subtle.importKey(
      "jwk",
      await crypto.subtle.exportKey("jwk", pair.publicKey),
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["verify"],
    );
    expect(() => credential(idp, { keyPair: { privateKey: pair.privateKey, publicKey } })).toThrow(
      /public key of dpop.keyPair must be extractable/,
    );
  });
});
