import { inspect } from "node:util";
import { ConfigurationError, ProxyAuthHandler, TokenAcquisitionError } from "@proxy-auth/core";
import {
  createTestIssuer,
  type Fault,
  type IdentityProvider,
  startIdentityProvider,
  startMockProxy,
  TOKEN_EXCHANGE_GRANT,
} from "@proxy-auth/testing";
import { decodeJwt, exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TokenExchangeCredential } from "./token-exchange-credential.js";

const SENTINEL_SECRET = "SENTINEL-exchange-secret-51c2";
let idp: IdentityProvider;
let keyPem: string;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  keyPem = await exportPKCS8(privateKey);
  idp = await startIdentityProvider({
    audiences: [
      "https://litellm-proxy.test",
      "https://litellm-proxy.test/v2",
      "https://litellm-proxy.test/audience",
    ],
    clients: [
      {
        clientId: "exchanger",
        clientSecret: SENTINEL_SECRET,
        grantTypes: ["client_credentials", TOKEN_EXCHANGE_GRANT],
      },
    ],
    keyClients: [
      {
        clientId: "key-exchanger",
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: "k1" }] },
        grantTypes: [TOKEN_EXCHANGE_GRANT],
      },
    ],
    publicClients: [{ clientId: "public-exchanger" }],
  });
});
afterAll(() => idp.close());
beforeEach(() => idp.clearFaults());

const last = () => idp.tokenRequests.at(-1);
const workload = (sub = "system:serviceaccount:ai:caller", extra = {}) =>
  idp.cluster.sign({ sub, aud: idp.issuer, ...extra });

const exchange = (overrides: Record<string, unknown> = {}) =>
  new TokenExchangeCredential({
    tokenUrl: idp.tokenUrl,
    subjectToken: () => workload(),
    clientId: "exchanger",
    clientSecret: SENTINEL_SECRET,
    ...overrides,
  });

describe("TokenExchangeCredential against a real OpenID provider", () => {
  it("exchanges a workload token for a proxy token that speaks for the subject", async () => {
    const token = await exchange().getToken("litellm_proxy_api");
    const claims = decodeJwt(token.token);
    expect(claims).toMatchObject({
      sub: "system:serviceaccount:ai:caller",
      client_id: "exchanger",
      scope: "litellm_proxy_api",
      aud: idp.audience,
    });
    expect(claims.act).toBeUndefined();
    expect(last()).toMatchObject({
      status: 200,
      authMethod: "client_secret_post",
      params: {
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
      },
      exchange: { subject: "system:serviceaccount:ai:caller" },
    });
    expect(token.expiresOn).toBeGreaterThan(Date.now() / 1000 + 3500);
  });

  it("with an actor token: the issued token names the actor (delegation)", async () => {
    const token = await exchange({
      subjectToken: () => workload("alice@example.com"),
      actorToken: () => workload("system:serviceaccount:ai:web-app"),
    }).getToken("litellm_proxy_api");
    expect(decodeJwt(token.token)).toMatchObject({
      sub: "alice@example.com",
      act: { sub: "system:serviceaccount:ai:web-app" },
    });
    expect(last()?.params.actor_token_type).toBe("urn:ietf:params:oauth:token-type:jwt");
  });

  it("asks for the subject token anew on every request", async () => {
    let calls = 0;
    const credential = exchange({
      subjectToken: () => {
        calls++;
        return workload(`subject-${calls}`);
      },
    });
    await credential.getToken("litellm_proxy_api");
    const second = await credential.getToken("litellm_proxy_api");
    expect(calls).toBe(2);
    expect(decodeJwt(second.token).sub).toBe("subject-2");
  });

  it("sends resource and audience; authenticates with private_key_jwt or not at all", async () => {
    const withKey = await exchange({
      clientId: "key-exchanger",
      clientSecret: undefined,
      privateKey: keyPem,
      keyId: "k1",
      resource: "https://litellm-proxy.test/v2",
    }).getToken("litellm_proxy_api");
    expect(decodeJwt(withKey.token)).toMatchObject({
      aud: "https://litellm-proxy.test/v2",
      client_id: "key-exchanger",
    });
    expect(last()).toMatchObject({
      authMethod: "private_key_jwt",
      assertion: { kid: "k1", alg: "ES256" },
    });
    const publicClient = await exchange({
      clientId: "public-exchanger",
      clientSecret: undefined,
      audience: "https://litellm-proxy.test/audience",
    }).getToken("");
    expect(decodeJwt(publicClient.token)).toMatchObject({
      aud: "https://litellm-proxy.test/audience",
      client_id: "public-exchanger",
    });
    expect(last()).toMatchObject({ authMethod: "none", params: { client_id: "public-exchanger" } });
  });

  it.each([
    ["an expired subject token", () => workload("x", { expiresInSeconds: -120 })],
    [
      "a subject token of a foreign issuer",
      async () =>
        (await createTestIssuer({ issuer: "https://evil.example" })).sign({
          sub: "x",
          aud: "unused",
        }),
    ],
    [
      "a subject token for another audience",
      () => idp.cluster.sign({ sub: "x", aud: "https://elsewhere.example" }),
    ],
  ])("%s: invalid_grant that says the subject token was rejected", async (_, subject) => {
    const SENTINEL_SUBJECT = await subject();
    const credential = exchange({ subjectToken: () => SENTINEL_SUBJECT });
    const error = (await credential
      .getToken("litellm_proxy_api")
      .catch((caught: unknown) => caught)) as TokenAcquisitionError;
    expect(error).toMatchObject({
      code: "TOKEN_ACQUISITION_FAILED",
      status: 400,
      oauthError: "invalid_grant",
      retryable: false,
    });
    expect(error.message).toMatch(/subject token was rejected/);
    expectNoSecrets([error, credential], [SENTINEL_SUBJECT]);
  });

  it("a wrong client secret is invalid_client", async () => {
    const error = await exchange({ clientSecret: "wrong" })
      .getToken("x")
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 401, oauthError: "invalid_client", retryable: false });
  });

  it("a client not allowed the grant is refused", async () => {
    const idp2 = await startIdentityProvider();
    try {
      const error = await new TokenExchangeCredential({
        tokenUrl: idp2.tokenUrl,
        subjectToken: () => idp2.cluster.sign({ sub: "x", aud: idp2.issuer }),
        clientId: "proxy-auth-test-client",
        clientSecret: "proxy-auth-test-secret",
      })
        .getToken("x")
        .catch((caught: unknown) => caught);
      // oidc-provider answers invalid_request here (RFC 6749 would say unauthorized_client).
      expect(error).toMatchObject({ status: 400, retryable: false });
      expect((error as Error).message).toMatch(/grant type is not allowed for this client/);
    } finally {
      await idp2.close();
    }
  });

  it("a provider that echoes the subject token: it never reaches the error", async () => {
    const SENTINEL_SUBJECT = await workload("echo");
    const echoing: typeof fetch = async () =>
      new Response(
        JSON.stringify({
          error: "invalid_request",
          error_description: `bad token ${SENTINEL_SUBJECT}`,
        }),
        { status: 400, headers: { "content-type": "application/json" } },
      );
    const credential = exchange({ subjectToken: () => SENTINEL_SUBJECT, fetch: echoing });
    const error = (await credential.getToken("x").catch((caught: unknown) => caught)) as Error;
    expect(error.message).toContain("[redacted]");
    expectNoSecrets([error], [SENTINEL_SUBJECT]);
  });
});

describe("without any client", () => {
  it("sends the subject token alone: no client_id, no client authentication", async () => {
    let sent = new URLSearchParams();
    const recording: typeof fetch = async (_url, init) => {
      sent = new URLSearchParams(String(init?.body));
      return new Response(
        JSON.stringify({ access_token: "opaque-token", token_type: "Bearer", expires_in: 60 }),
        { headers: { "content-type": "application/json" } },
      );
    };
    const credential = new TokenExchangeCredential({
      tokenUrl: "https://gateway.example.com/token",
      subjectToken: () => "a.b.c",
      fetch: recording,
      now: () => 1_000_000,
    });
    expect(await credential.getToken("litellm_proxy_api")).toEqual({
      token: "opaque-token",
      expiresOn: 1060,
      tokenType: "Bearer",
    });
    expect([...sent.keys()].sort()).toEqual([
      "grant_type",
      "requested_token_type",
      "scope",
      "subject_token",
      "subject_token_type",
    ]);
    // An opaque subject token is fine; one with whitespace (header or form injection) is not.
    await new TokenExchangeCredential({
      tokenUrl: "https://gateway.example.com/token",
      subjectToken: () => "ya29.opaque-google-access-token",
      subjectTokenType: "urn:ietf:params:oauth:token-type:access_token",
      fetch: recording,
    }).getToken("");
    expect(sent.get("subject_token")).toBe("ya29.opaque-google-access-token");
    const spaced = new TokenExchangeCredential({
      tokenUrl: "https://gateway.example.com/token",
      subjectToken: () => "SENTINEL token\r\nwith: spaces",
      fetch: recording,
    });
    const error = (await spaced.getToken("").catch((caught: unknown) => caught)) as Error;
    expect(error.message).toMatch(/"subjectToken" function returned something that is not a token/);
    expect(error.message).not.toContain("SENTINEL");
  });
});

describe("fault matrix, as for client credentials", () => {
  const cases: [string, Fault, Record<string, unknown>][] = [
    [
      "503 with Retry-After",
      { kind: "status", status: 503, retryAfter: 7 },
      { status: 503, retryable: true, retryAfterSeconds: 7 },
    ],
    ["429", { kind: "status", status: 429 }, { status: 429, retryable: true }],
    [
      "500 with HTML",
      { kind: "status", status: 500, body: "<html/>", contentType: "text/html" },
      { status: 500, retryable: true },
    ],
    ["a non-JSON 200", { kind: "nonJson" }, { status: 200, retryable: false }],
    ["no access_token", { kind: "omit", fields: ["access_token"] }, { retryable: false }],
    ["token_type N_A", { kind: "set", fields: { token_type: "N_A" } }, { retryable: false }],
    ["a reset connection", { kind: "reset" }, { retryable: true }],
  ];
  it.each(cases)("%s", async (_, fault, expected) => {
    const SENTINEL_SUBJECT = await workload("fault");
    idp.injectFault(fault);
    const credential = exchange({ subjectToken: () => SENTINEL_SUBJECT });
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
    expectNoSecrets([error, credential, handler, lines], [SENTINEL_SUBJECT, SENTINEL_SECRET]);
    expect(JSON.stringify(lines)).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  it("a hanging provider: timeout, retryable", async () => {
    idp.injectFault({ kind: "hang" });
    const error = await exchange({ timeoutMs: 200 })
      .getToken("x")
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toMatch(/did not answer within 200 ms/);
  });
});

describe("the full flow: exchanged tokens accepted by a JWT-checking proxy", () => {
  it("one exchange serves many requests", async () => {
    const proxy = await startMockProxy({
      jwksUrl: idp.jwksUrl,
      issuer: idp.issuer,
      audience: idp.audience,
      requiredScope: "litellm_proxy_api",
    });
    try {
      const issued = idp.tokensIssued;
      const handler = new ProxyAuthHandler({ credential: exchange(), scope: "litellm_proxy_api" });
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${proxy.url}/embeddings`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(await handler.getAuthHeaders()) },
          body: JSON.stringify({ model: "text-embedding-3-small", input: "hi" }),
        });
        expect(response.status).toBe(200);
      }
      expect(idp.tokensIssued - issued).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});

describe("TokenExchangeCredential options", () => {
  const base = { tokenUrl: "https://idp.example.com/token", subjectToken: () => "a.b.c" };
  it.each([
    ["no subjectToken", { ...base, subjectToken: undefined }, /"subjectToken" is required/],
    [
      "a string subjectToken",
      { ...base, subjectToken: "SENTINEL.jwt.value" },
      /"subjectToken" is required/,
    ],
    [
      "http to a remote host",
      { ...base, tokenUrl: "http://idp.example.com/token" },
      /must use https/,
    ],
    ["a secret without clientId", { ...base, clientSecret: "SENTINEL" }, /"clientId" is required/],
    [
      "a secret and a key",
      { ...base, clientId: "c", clientSecret: "SENTINEL", privateKey: "x" },
      /exactly one of/,
    ],
    ["a clientAssertion", { ...base, clientAssertion: () => "x" }, /"subjectToken"/],
    [
      "actorTokenType without actorToken",
      { ...base, actorTokenType: "urn:x" },
      /needs "actorToken"/,
    ],
    ["keyId without privateKey", { ...base, clientId: "c", keyId: "k" }, /applies to "privateKey"/],
    [
      "extraParams replacing subject_token",
      { ...base, extraParams: { subject_token: "x" } },
      /cannot set "subject_token"/,
    ],
  ])("rejects %s with a ConfigurationError", (_, options, message) => {
    let caught: unknown;
    try {
      new TokenExchangeCredential(options as never);
    } catch (error) {
      caught = error;
    }
    expect(ConfigurationError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain("SENTINEL");
  });
});

function expectNoSecrets(objects: unknown[], secrets: string[]): void {
  const text = objects
    .flatMap((object) => [
      inspect(object, { depth: 10, showHidden: true }),
      JSON.stringify(object) ?? "",
      object instanceof Error ? `${object.message}\n${object.stack}` : "",
    ])
    .join("\n");
  for (const secret of secrets) expect(text).not.toContain(secret);
}
