import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { ProxyAuthHandler, TokenAcquisitionError } from "@proxy-auth/core";
import {
  DEFAULT_CLIENT,
  type Fault,
  type IdentityProvider,
  type MockProxy,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GenericOAuth2Credential } from "./generic-oauth2-credential.js";

const SENTINEL_SECRET = "SENTINEL-client-secret-7f3a9";
const BASIC_CLIENT = {
  clientId: "basic-client",
  clientSecret: SENTINEL_SECRET,
  authMethod: "client_secret_basic",
} as const;
const POST_CLIENT = {
  clientId: "post-client",
  clientSecret: SENTINEL_SECRET,
  authMethod: "client_secret_post",
} as const;

let idp: IdentityProvider;
beforeAll(async () => {
  idp = await startIdentityProvider({
    clients: [DEFAULT_CLIENT, BASIC_CLIENT, POST_CLIENT],
    audiences: [
      "https://litellm-proxy.test",
      "https://litellm-proxy.test/v2",
      "https://my-proxy.example.com/api",
    ],
  });
});
afterAll(() => idp.close());
beforeEach(() => idp.clearFaults());

const credential = (overrides: Record<string, unknown> = {}) =>
  new GenericOAuth2Credential({
    clientId: POST_CLIENT.clientId,
    clientSecret: SENTINEL_SECRET,
    tokenUrl: idp.tokenUrl,
    ...overrides,
  });

const lastRequest = () => idp.tokenRequests.at(-1);

describe("GenericOAuth2Credential against a real OpenID provider", () => {
  it("gets a JWT with client_secret_post by default, sending the scope", async () => {
    const before = Date.now() / 1000;
    const token = await credential().getToken("litellm_proxy_api");
    const claims = decodeJwt(token.token);
    expect(claims.client_id).toBe("post-client");
    expect(claims.scope).toBe("litellm_proxy_api");
    expect(token.tokenType).toBe("Bearer");
    expect(token.expiresOn).toBeGreaterThanOrEqual(before + 3600 - 1);
    expect(token.expiresOn).toBeLessThanOrEqual(Date.now() / 1000 + 3600);
    expect(lastRequest()).toMatchObject({
      authMethod: "client_secret_post",
      params: {
        grant_type: "client_credentials",
        client_id: "post-client",
        scope: "litellm_proxy_api",
      },
    });
  });

  it("authenticates with client_secret_basic on request", async () => {
    const token = await credential({
      clientId: BASIC_CLIENT.clientId,
      authMethod: "client_secret_basic",
    }).getToken("openid");
    expect(decodeJwt(token.token).client_id).toBe("basic-client");
    expect(lastRequest()?.authMethod).toBe("client_secret_basic");
  });

  it("sends audience, resource and extra parameters", async () => {
    const token = await credential({
      audience: "https://my-proxy.example.com/api",
      resource: "https://litellm-proxy.test/v2",
      extraParams: { tenant: "acme" },
    }).getToken("litellm_proxy_api");
    expect(lastRequest()?.params).toMatchObject({
      audience: "https://my-proxy.example.com/api",
      resource: "https://litellm-proxy.test/v2",
      tenant: "acme",
    });
    expect(decodeJwt(token.token).aud).toBe("https://litellm-proxy.test/v2");
  });

  it("discovers the token endpoint from the issuer once", async () => {
    const seen: string[] = [];
    const cred = credential({
      tokenUrl: undefined,
      issuer: idp.issuer,
      fetch: (input: string | URL | Request, init?: RequestInit) => {
        seen.push(new URL(input instanceof Request ? input.url : input).pathname);
        return fetch(input, init);
      },
    });
    await cred.getToken("litellm_proxy_api");
    await cred.getToken("litellm_proxy_api");
    expect(seen).toEqual(["/.well-known/openid-configuration", "/token", "/token"]);
  });

  it("computes expiresOn from expires_in given as a string", async () => {
    idp.injectFault({ kind: "set", fields: { expires_in: "120" } });
    const before = Date.now() / 1000;
    const token = await credential().getToken("litellm_proxy_api");
    expect(token.expiresOn).toBeGreaterThanOrEqual(before + 119);
    expect(token.expiresOn).toBeLessThanOrEqual(Date.now() / 1000 + 120);
  });

  it("takes the JWT's exp when expires_in is missing", async () => {
    idp.setTokenLifetime(600);
    idp.injectFault({ kind: "omit", fields: ["expires_in"] });
    const token = await credential().getToken("litellm_proxy_api");
    idp.setTokenLifetime(3600);
    expect(token.expiresOn).toBe(decodeJwt(token.token).exp);
  });

  it("assumes one hour for an opaque token without expires_in", async () => {
    // `undefined` drops the field from the JSON answer.
    idp.injectFault({
      kind: "set",
      fields: { access_token: "opaque-token-value", expires_in: undefined },
    });
    const before = Date.now() / 1000;
    const token = await credential().getToken("litellm_proxy_api");
    expect(token.token).toBe("opaque-token-value");
    expect(token.expiresOn).toBeGreaterThanOrEqual(before + 3599);
    expect(token.expiresOn).toBeLessThanOrEqual(Date.now() / 1000 + 3600);
  });

  it("honours the caller's abort signal", async () => {
    idp.injectFault({ kind: "hang" });
    const controller = new AbortController();
    const pending = credential().getToken("litellm_proxy_api", { signal: controller.signal });
    setImmediate(() => controller.abort(new Error("caller stopped")));
    await expect(pending).rejects.toThrow("caller stopped");
  });
});

/** What every failure must look like, and that the secret is nowhere in it. */
async function failure(
  cred: GenericOAuth2Credential,
  fault?: Fault,
): Promise<TokenAcquisitionError> {
  const scope = "litellm_proxy_api";
  if (fault) idp.injectFault(fault);
  const error = await cred.getToken(scope).then(
    () => {
      throw new Error("expected a failure");
    },
    (caught: unknown) => caught,
  );
  expect(TokenAcquisitionError.isInstance(error)).toBe(true);
  // The same failure through a handler: what it logs and how it prints.
  const lines: unknown[] = [];
  const record = (message: string, meta?: unknown) => lines.push(message, meta);
  const handler = new ProxyAuthHandler({
    credential: cred,
    scope,
    onTokenError: "throw",
    retry: { attempts: 1 },
    logger: { debug: record, info: record, warn: record, error: record },
  });
  if (fault) idp.injectFault(fault);
  const handlerError = await handler.getToken().catch((caught: unknown) => caught);
  expect(TokenAcquisitionError.isInstance(handlerError)).toBe(true);
  const everything = [
    String(error),
    (error as Error).stack,
    inspect(error, { depth: 10 }),
    JSON.stringify(error),
    inspect(cred, { showHidden: true }),
    JSON.stringify(cred),
    inspect(handler, { showHidden: true, depth: 10 }),
    JSON.stringify(handler),
    inspect(handlerError, { depth: 10 }),
    JSON.stringify(lines),
  ].join("\n");
  expect(lines.length).toBeGreaterThan(0);
  expect(everything).not.toContain(SENTINEL_SECRET);
  expect(everything).not.toMatch(/eyJ[\w-]+\.eyJ/); // no issued JWT
  return error as TokenAcquisitionError;
}

describe("fault matrix: every failure is a typed TokenAcquisitionError without secrets", () => {
  it("wrong secret with client_secret_post: 401 invalid_client, not retryable", async () => {
    const error = await failure(credential({ clientSecret: "wrong-secret" }));
    expect(error).toMatchObject({ status: 401, oauthError: "invalid_client", retryable: false });
  });

  it("wrong secret with client_secret_basic: the WWW-Authenticate challenge is read", async () => {
    const error = await failure(
      credential({
        clientId: BASIC_CLIENT.clientId,
        authMethod: "client_secret_basic",
        clientSecret: "wrong-secret",
      }),
    );
    expect(error).toMatchObject({ status: 401, oauthError: "invalid_client", retryable: false });
  });

  it("an invalid resource indicator: 400 invalid_target", async () => {
    const error = await failure(credential({ resource: "not-an-absolute-uri" }));
    expect(error).toMatchObject({ status: 400, oauthError: "invalid_target", retryable: false });
  });

  it("an unknown client: 401 invalid_client", async () => {
    const error = await failure(credential({ clientId: "nobody" }));
    expect(error).toMatchObject({ status: 401, oauthError: "invalid_client", retryable: false });
  });

  it("503 with Retry-After: retryable, with the delay", async () => {
    const error = await failure(credential(), { kind: "status", status: 503, retryAfter: 7 });
    expect(error).toMatchObject({ status: 503, retryable: true, retryAfterSeconds: 7 });
  });

  it("500 with an HTML body: retryable", async () => {
    const error = await failure(credential(), {
      kind: "status",
      status: 500,
      body: "<html>oops</html>",
      contentType: "text/html",
    });
    expect(error).toMatchObject({ status: 500, retryable: true });
  });

  it("429 with an HTTP-date Retry-After: retryable", async () => {
    const date = new Date(Date.now() + 30_000).toUTCString();
    const error = await failure(credential(), { kind: "status", status: 429, retryAfter: date });
    expect(error.status).toBe(429);
    expect(error.retryable).toBe(true);
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(28);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(31);
  });

  it("200 with a non-JSON body: not retryable", async () => {
    const error = await failure(credential(), { kind: "nonJson" });
    expect(error).toMatchObject({ status: 200, retryable: false });
    expect(error.message).toMatch(/JSON/i);
  });

  it("200 without access_token", async () => {
    const error = await failure(credential(), { kind: "omit", fields: ["access_token"] });
    expect(error).toMatchObject({ status: 200, retryable: false });
    expect(error.message).toContain("access_token");
  });

  it("an unsupported token_type (the body holds a token: it must not leak through the cause)", async () => {
    const error = await failure(credential(), { kind: "set", fields: { token_type: "mac" } });
    expect(error.message).toMatch(/token_type/);
    expect(error.retryable).toBe(false);
  });

  it("a DPoP token_type is refused: only Bearer is supported", async () => {
    const error = await failure(credential(), { kind: "set", fields: { token_type: "DPoP" } });
    expect(error.message).toMatch(/only Bearer/);
  });

  it("a hanging provider: timeout, retryable", async () => {
    const error = await failure(credential({ timeoutMs: 200 }), { kind: "hang" });
    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toMatch(/did not answer within 200 ms/);
  });

  it("a reset connection: retryable", async () => {
    const error = await failure(credential(), { kind: "reset" });
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
  });

  it("a refused connection: retryable, naming ECONNREFUSED", async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(credential({ tokenUrl: `http://127.0.0.1:${port}/token` }));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("ECONNREFUSED");
    // The code says why; Node's bare "fetch failed" says nothing more.
    expect(error.message).not.toContain("fetch failed");
  });

  it("an issuer's root given as tokenUrl (404) suggests the issuer option", async () => {
    const error = await failure(credential({ tokenUrl: idp.issuer }));
    expect(error.status).toBe(404);
    expect(error.message).toMatch(/give it as "issuer" instead of "tokenUrl"/);
  });

  it("a failed discovery is retried on the next call", async () => {
    const cred = credential({ tokenUrl: undefined, issuer: idp.issuer });
    const error = await failure(cred, { kind: "status", status: 503 });
    expect(error.status).toBe(503);
    expect((await cred.getToken("litellm_proxy_api")).token).toMatch(/^eyJ/);
  });
});

describe("the full flow: handler + credential + JWT-checking proxy", () => {
  let proxy: MockProxy;
  beforeAll(async () => {
    proxy = await startMockProxy({
      jwksUrl: idp.jwksUrl,
      issuer: idp.issuer,
      audience: idp.audience,
      requiredScope: "litellm_proxy_api",
    });
  });
  afterAll(() => proxy.close());

  it("every request is accepted, and one token serves them all", async () => {
    const issuedBefore = idp.tokensIssued;
    const handler = new ProxyAuthHandler({ credential: credential(), scope: "litellm_proxy_api" });
    const statuses = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const response = await fetch(`${proxy.url}/${i % 2 ? "v1/" : ""}chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(await handler.getAuthHeaders()) },
          body: JSON.stringify({
            model: "gpt-4",
            messages: [{ role: "user", content: `hello ${i}` }],
          }),
        });
        return response.status;
      }),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(idp.tokensIssued - issuedBefore).toBe(1);
    expect(proxy.rejected).toBe(0);
  });

  it("the proxy rejects a token without the required scope (403) and no token (401)", async () => {
    const handler = new ProxyAuthHandler({ credential: credential(), scope: "openid" });
    const post = async (headers: Record<string, string>) =>
      (
        await fetch(`${proxy.url}/embeddings`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ model: "text-embedding-3-small", input: "hi" }),
        })
      ).status;
    expect(await post(await handler.getAuthHeaders())).toBe(403);
    expect(await post({})).toBe(401);
    expect(await post({ Authorization: "Bearer not-a-jwt" })).toBe(401);
  });
});
