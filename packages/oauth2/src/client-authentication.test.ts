import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { ProxyAuthHandler, TokenAcquisitionError } from "@proxy-auth/core";
import {
  createTestIssuer,
  type Fault,
  type IdentityProvider,
  startIdentityProvider,
  startMockProxy,
  type TestIssuer,
} from "@proxy-auth/testing";
import { decodeJwt, exportJWK, exportPKCS8, generateKeyPair, type JWK } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clientAssertionFromFile } from "./client-assertion-from-file.js";
import { GenericOAuth2Credential } from "./generic-oauth2-credential.js";

const SUBJECT = "system:serviceaccount:default:litellm-caller";

interface KeyPair {
  privateKey: CryptoKey;
  publicJwk: JWK;
  pem: string;
  jwk: JsonWebKey;
}

async function keyPair(alg: string, kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}),
  });
  return {
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, use: "sig" },
    pem: await exportPKCS8(privateKey),
    jwk: { ...(await exportJWK(privateKey)), kid } as JsonWebKey,
  };
}

let idp: IdentityProvider;
let rsa: KeyPair;
let ec: KeyPair;
let ed: KeyPair;
let rotated: KeyPair;
let foreign: TestIssuer;
let directory: string;

beforeAll(async () => {
  [rsa, ec, ed, rotated] = await Promise.all([
    keyPair("RS256", "rsa-1"),
    keyPair("ES256", "ec-1"),
    keyPair("EdDSA", "ed-1"),
    keyPair("RS256", "rsa-2"),
  ]);
  foreign = await createTestIssuer({ issuer: "https://other-cluster.example" });
  idp = await startIdentityProvider({
    keyClients: [
      { clientId: "rsa-client", jwks: { keys: [rsa.publicJwk, rotated.publicJwk] } },
      { clientId: "ec-client", jwks: { keys: [ec.publicJwk] } },
      { clientId: "ed-client", jwks: { keys: [ed.publicJwk] } },
    ],
    federatedClients: [{ clientId: "workload-client", subject: SUBJECT }],
  });
  directory = mkdtempSync(join(tmpdir(), "proxy-auth-assertion-"));
});
afterAll(async () => {
  await idp.close();
  rmSync(directory, { recursive: true, force: true });
});
beforeEach(() => idp.clearFaults());

const last = () => idp.tokenRequests.at(-1);

describe("private_key_jwt against a real OpenID provider", () => {
  it.each([
    ["RSA PKCS#8 PEM", "rsa-client", () => ({ privateKey: rsa.pem, keyId: "rsa-1" }), "RS256"],
    ["EC P-256 JWK (kid from the JWK)", "ec-client", () => ({ privateKey: ec.jwk }), "ES256"],
    [
      "Ed25519 CryptoKey",
      "ed-client",
      () => ({ privateKey: ed.privateKey, keyId: "ed-1" }),
      "EdDSA",
    ],
    ["Ed25519 PEM", "ed-client", () => ({ privateKey: ed.pem, keyId: "ed-1" }), "EdDSA"],
  ])("%s", async (_, clientId, key, alg) => {
    const credential = new GenericOAuth2Credential({ clientId, tokenUrl: idp.tokenUrl, ...key() });
    expect(credential.authMethod).toBe("private_key_jwt");
    const token = await credential.getToken("litellm_proxy_api");
    expect(decodeJwt(token.token).client_id).toBe(clientId);
    expect(last()).toMatchObject({
      authMethod: "private_key_jwt",
      status: 200,
      assertion: { alg, iss: clientId, sub: clientId, aud: idp.tokenUrl },
    });
  });

  it("signs a fresh assertion (new jti) for every token request", async () => {
    const credential = new GenericOAuth2Credential({
      clientId: "rsa-client",
      tokenUrl: idp.tokenUrl,
      privateKey: rsa.pem,
      keyId: "rsa-1",
    });
    await credential.getToken("litellm_proxy_api");
    const first = last()?.assertion?.jti;
    await credential.getToken("litellm_proxy_api");
    expect(last()?.assertion?.jti).toEqual(expect.any(String));
    expect(last()?.assertion?.jti).not.toBe(first);
  });

  it("key rotation by kid: the new key with its kid works; a key under another kid is invalid_client", async () => {
    const current = new GenericOAuth2Credential({
      clientId: "rsa-client",
      tokenUrl: idp.tokenUrl,
      privateKey: rotated.pem,
      keyId: "rsa-2",
    });
    await current.getToken("litellm_proxy_api");
    expect(last()?.assertion?.kid).toBe("rsa-2");
    const mislabelled = new GenericOAuth2Credential({
      clientId: "rsa-client",
      tokenUrl: idp.tokenUrl,
      privateKey: rotated.pem,
      keyId: "rsa-1",
    });
    const error = await mislabelled
      .getToken("litellm_proxy_api")
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "TOKEN_ACQUISITION_FAILED",
      status: 401,
      oauthError: "invalid_client",
      retryable: false,
    });
  });

  it("a key the provider does not know is invalid_client, and the key never shows", async () => {
    const stranger = await keyPair("RS256", "rsa-1");
    const credential = new GenericOAuth2Credential({
      clientId: "rsa-client",
      tokenUrl: idp.tokenUrl,
      privateKey: stranger.pem,
      keyId: "rsa-1",
    });
    const error = (await credential
      .getToken("litellm_proxy_api")
      .catch((caught: unknown) => caught)) as TokenAcquisitionError;
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect(error.oauthError).toBe("invalid_client");
    const body = stranger.pem.split("\n")[1] as string;
    for (const text of [
      error.message,
      inspect(error, { depth: 10 }),
      JSON.stringify(error),
      inspect(credential, { depth: 10 }),
      JSON.stringify(credential),
    ]) {
      expect(text).not.toContain(body.slice(0, 40));
      expect(text).not.toContain(String((stranger.jwk as { d: string }).d).slice(0, 20));
    }
  });

  it("Entra's certificate form: x5t#S256 from the certificate", async () => {
    const { createSelfSignedCertificate } = await import("@proxy-auth/testing");
    const certificate = await createSelfSignedCertificate();
    const credential = new GenericOAuth2Credential({
      clientId: "rsa-client",
      tokenUrl: `${idp.issuer}/token`,
      privateKey: certificate.key,
      certificate: certificate.cert,
      signingAlgorithm: "PS256",
    });
    // The provider does not know this key: the header is what we check, from the request log.
    await credential.getToken("litellm_proxy_api").catch(() => undefined);
    expect(last()?.assertion?.alg).toBe("PS256");
    const { createHash, X509Certificate } = await import("node:crypto");
    const expected = createHash("sha256")
      .update(new X509Certificate(certificate.cert).raw)
      .digest("base64url");
    expect(last()?.assertion?.["x5t#S256"]).toBe(expected);
  });
});

describe("federated client assertions (clientAssertion)", () => {
  it("a cluster token read from a file authenticates the workload; a rotated file is picked up without restart", async () => {
    const file = join(directory, "token");
    writeFileSync(file, await idp.cluster.sign({ sub: SUBJECT, aud: idp.issuer }));
    const credential = new GenericOAuth2Credential({
      clientId: "workload-client",
      tokenUrl: idp.tokenUrl,
      clientAssertion: clientAssertionFromFile(file),
    });
    const handler = new ProxyAuthHandler({ credential, scope: "litellm_proxy_api" });
    const proxy = await startMockProxy({
      jwksUrl: idp.jwksUrl,
      issuer: idp.issuer,
      audience: idp.audience,
    });
    try {
      const response = await fetch(`${proxy.url}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(await handler.getAuthHeaders()) },
        body: JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(response.status).toBe(200);
    } finally {
      await proxy.close();
    }
    expect(last()).toMatchObject({
      authMethod: "federated",
      status: 200,
      assertion: { sub: SUBJECT },
    });
    // Kubernetes rewrites the projected token in place; an expired one stays in the old file.
    await idp.cluster.rotateKey();
    writeFileSync(file, await idp.cluster.sign({ sub: SUBJECT, aud: idp.issuer }));
    const token = await credential.getToken("litellm_proxy_api");
    expect(decodeJwt(token.token).client_id).toBe("workload-client");
    writeFileSync(
      file,
      await idp.cluster.sign({ sub: SUBJECT, aud: idp.issuer, expiresInSeconds: -60 }),
    );
    const expired = await credential
      .getToken("litellm_proxy_api")
      .catch((caught: unknown) => caught);
    expect(expired).toMatchObject({ status: 401, oauthError: "invalid_client", retryable: false });
  });

  it.each([
    ["a foreign issuer", () => foreign.sign({ sub: SUBJECT, aud: idp.issuer })],
    [
      "another subject",
      () => idp.cluster.sign({ sub: "system:serviceaccount:default:other", aud: idp.issuer }),
    ],
    ["another audience", () => idp.cluster.sign({ sub: SUBJECT, aud: "api://elsewhere" })],
  ])("%s is invalid_client", async (_, assertion) => {
    const SENTINEL = await assertion();
    const credential = new GenericOAuth2Credential({
      clientId: "workload-client",
      tokenUrl: idp.tokenUrl,
      clientAssertion: () => SENTINEL,
    });
    const error = await credential.getToken("litellm_proxy_api").catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "TOKEN_ACQUISITION_FAILED",
      status: 401,
      oauthError: "invalid_client",
    });
    for (const text of [
      (error as Error).message,
      inspect(error, { depth: 10 }),
      JSON.stringify(error),
      inspect(credential, { depth: 10 }),
    ]) {
      expect(text).not.toContain(SENTINEL.split(".")[2]);
    }
  });

  it("a source that fails or returns no JWT is reported as such, not as an unreachable endpoint", async () => {
    const requests = idp.tokenRequests.length;
    const failing = new GenericOAuth2Credential({
      clientId: "workload-client",
      tokenUrl: idp.tokenUrl,
      clientAssertion: () => {
        throw new Error("SENTINEL-detail");
      },
    });
    const error = (await failing
      .getToken("x")
      .catch((caught: unknown) => caught)) as TokenAcquisitionError;
    expect(error.message).toMatch(/"clientAssertion" function failed/);
    expect(error.retryable).toBe(false);
    const empty = new GenericOAuth2Credential({
      clientId: "workload-client",
      tokenUrl: idp.tokenUrl,
      clientAssertion: async () => "",
    });
    await expect(empty.getToken("x")).rejects.toThrow(/returned an empty string instead of a JWT/);
    const missing = new GenericOAuth2Credential({
      clientId: "workload-client",
      tokenUrl: idp.tokenUrl,
      clientAssertion: clientAssertionFromFile(join(directory, "absent")),
    });
    await expect(missing.getToken("x")).rejects.toThrow(/absent/);
    expect(idp.tokenRequests.length).toBe(requests);
  });
});

describe("exactly one of clientSecret, privateKey, clientAssertion", () => {
  const base = { clientId: "c", tokenUrl: "https://idp.example.com/token" };
  it.each([
    ["none of them", {}, /give one of "clientSecret".*"privateKey".*"clientAssertion"/],
    [
      "secret and key",
      { clientSecret: "SENTINEL", privateKey: "k" },
      /exactly one of.*"clientSecret" and "privateKey"/,
    ],
    ["key and assertion", { privateKey: "k", clientAssertion: () => "a.b.c" }, /exactly one of/],
    [
      "a keyId with a secret",
      { clientSecret: "SENTINEL", keyId: "k" },
      /"keyId" applies to "privateKey", not to "clientSecret"/,
    ],
    [
      "client_secret_basic with a key",
      { privateKey: "x", authMethod: "client_secret_basic" },
      /"authMethod" "client_secret_basic" applies to "clientSecret"/,
    ],
    ["a string clientAssertion", { clientAssertion: "SENTINEL.a.b" }, /must be a function/],
    [
      "a certificate that is not one",
      {
        privateKey: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        certificate: "SENTINEL",
      },
      /"certificate" must be the PEM certificate/,
    ],
  ])("%s is a ConfigurationError saying which to pick", (_, options, message) => {
    let caught: unknown;
    try {
      new GenericOAuth2Credential({ ...base, ...options } as never);
    } catch (error) {
      caught = error;
    }
    expect((caught as Error)?.message).toMatch(message);
    expect((caught as { code?: string }).code).toBe("CONFIGURATION_ERROR");
    expect((caught as Error).message).not.toContain("SENTINEL");
  });

  it("cacheKey: distinct per key and per assertion source, never containing them; stable for the same key", async () => {
    const make = (options: Record<string, unknown>) =>
      new GenericOAuth2Credential({
        clientId: "rsa-client",
        tokenUrl: "https://idp.example.com/token",
        ...options,
      } as never);
    const fromPem = await make({ privateKey: rsa.pem, keyId: "rsa-1" }).cacheKey();
    expect(fromPem).toMatch(/^oauth2:[0-9a-f]{64}$/);
    expect(await make({ privateKey: rsa.pem, keyId: "rsa-1" }).cacheKey()).toBe(fromPem);
    expect(await make({ privateKey: rotated.pem, keyId: "rsa-1" }).cacheKey()).not.toBe(fromPem);
    expect(await make({ privateKey: rsa.pem, keyId: "rsa-2" }).cacheKey()).not.toBe(fromPem);
    expect(await make({ privateKey: rsa.jwk }).cacheKey()).toBe(
      await make({ privateKey: rsa.jwk }).cacheKey(),
    );
    const source = () => "a.b.c";
    expect(await make({ clientAssertion: source }).cacheKey()).toBe(
      await make({ clientAssertion: source }).cacheKey(),
    );
    expect(await make({ clientAssertion: source }).cacheKey()).not.toBe(
      await make({ clientAssertion: () => "a.b.c" }).cacheKey(),
    );
    expect(await make({ clientSecret: "s" }).cacheKey()).not.toBe(fromPem);
  });
});

describe("a provider that echoes what it was sent", () => {
  /** Answers 400 with the request's client_assertion (or secret) in error_description and body. */
  const echoing: typeof fetch = async (_url, init) => {
    const form = new URLSearchParams(String(init?.body));
    const echoed = form.get("client_assertion") ?? form.get("client_secret") ?? "";
    return new Response(
      JSON.stringify({
        error: "invalid_client",
        error_description: `bad assertion ${echoed}`,
        echoed,
      }),
      { status: 400, headers: { "content-type": "application/json" } },
    );
  };
  it.each([
    ["a federated assertion", { clientAssertion: () => "eyJTRU5USU5FTA.eyJhc3NlcnRpb24.c2lnbmVk" }],
    ["a signed private_key_jwt assertion", { privateKey: "PEM" }],
    ["a client secret", { clientSecret: "SENTINEL-echoed-secret" }],
  ])("%s never reaches the error", async (_, options) => {
    const resolved = "privateKey" in options ? { privateKey: rsa.pem, keyId: "rsa-1" } : options;
    const sent: string[] = [];
    const recording: typeof fetch = async (url, init) => {
      const form = new URLSearchParams(String(init?.body));
      sent.push(form.get("client_assertion") ?? form.get("client_secret") ?? "");
      return echoing(url, init);
    };
    const credential = new GenericOAuth2Credential({
      clientId: "rsa-client",
      tokenUrl: "https://idp.example.com/token",
      fetch: recording,
      ...resolved,
    } as never);
    const error = (await credential
      .getToken("x")
      .catch((caught: unknown) => caught)) as TokenAcquisitionError;
    expect(error).toMatchObject({ status: 400, oauthError: "invalid_client" });
    expect(error.message).toContain("[redacted]");
    const secret = sent[0] as string;
    expect(secret.length).toBeGreaterThan(10);
    for (const text of [
      error.message,
      error.stack ?? "",
      inspect(error, { depth: 10, showHidden: true }),
      JSON.stringify(error),
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe("fault matrix with a key and with an assertion, as for client credentials", () => {
  const faults: [string, Fault, Record<string, unknown>][] = [
    [
      "503 with Retry-After",
      { kind: "status", status: 503, retryAfter: 7 },
      { status: 503, retryable: true, retryAfterSeconds: 7 },
    ],
    ["429", { kind: "status", status: 429 }, { status: 429, retryable: true }],
    ["a non-JSON 200", { kind: "nonJson" }, { status: 200, retryable: false }],
    ["no access_token", { kind: "omit", fields: ["access_token"] }, { retryable: false }],
    ["a reset connection", { kind: "reset" }, { retryable: true }],
  ];
  const forms = () => [
    { name: "private_key_jwt", clientId: "rsa-client", privateKey: rsa.pem, keyId: "rsa-1" },
    {
      name: "clientAssertion",
      clientId: "workload-client",
      clientAssertion: () => idp.cluster.sign({ sub: SUBJECT, aud: idp.issuer }),
    },
  ];
  it.each(faults)(
    "%s: typed, and no key, assertion or token in errors or logs",
    async (_, fault, expected) => {
      for (const { name: _name, ...options } of forms()) {
        idp.injectFault(fault);
        const credential = new GenericOAuth2Credential({ tokenUrl: idp.tokenUrl, ...options });
        const lines: unknown[] = [];
        const record = (message: string, meta?: unknown) => lines.push(message, meta);
        const handler = new ProxyAuthHandler({
          credential,
          scope: "litellm_proxy_api",
          onTokenError: "throw",
          retry: { attempts: 1 },
          logger: { debug: record, info: record, warn: record, error: record },
        });
        const error = await handler.getToken().catch((caught: unknown) => caught);
        expect(TokenAcquisitionError.isInstance(error)).toBe(true);
        expect(error).toMatchObject(expected);
        const everything = [
          inspect(error, { depth: 10, showHidden: true }),
          JSON.stringify(error),
          inspect(credential, { depth: 10, showHidden: true }),
          JSON.stringify(credential),
          inspect(handler, { depth: 10, showHidden: true }),
          JSON.stringify(lines),
        ].join("\n");
        expect(everything).not.toMatch(/eyJ[\w-]+\.eyJ/); // no assertion, no issued token
        expect(everything).not.toContain(rsa.pem.split("\n")[1]?.slice(0, 40));
        expect(everything).not.toContain(String((rsa.jwk as { d: string }).d).slice(0, 20));
      }
    },
  );
});
