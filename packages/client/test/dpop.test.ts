import { ProxyAuthHandler } from "@proxy-auth/core";
import { createDPoPProver, dpopProverOf } from "@proxy-auth/core/internal";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type MockProxy,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKeyProvider, createAuthFetch, createClient } from "../src/index.js";
import { hello } from "./fixtures.js";

const decodeJwt = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as Record<
    string,
    unknown
  >;

/** A real IdP issuing DPoP-bound tokens and a proxy checking every proof, optionally with nonces. */
async function startDPoPDeployment(nonces: boolean) {
  const idp = await startIdentityProvider({ dpop: { requireNonce: nonces } });
  const proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
    requiredScope: "litellm_proxy_api",
    dpop: { required: true, requireNonce: nonces },
  });
  return { idp, proxy };
}

let idp: IdentityProvider;
let proxy: MockProxy;
let nonceIdp: IdentityProvider;
let nonceProxy: MockProxy;

beforeAll(async () => {
  [{ idp, proxy }, { idp: nonceIdp, proxy: nonceProxy }] = await Promise.all([
    startDPoPDeployment(false),
    startDPoPDeployment(true),
  ]);
});
afterAll(() => Promise.all([proxy.close(), idp.close(), nonceProxy.close(), nonceIdp.close()]));

const dpopCredential = (provider: IdentityProvider, now?: () => number) =>
  new GenericOAuth2Credential({
    ...DEFAULT_CLIENT,
    tokenUrl: provider.tokenUrl,
    dpop: true,
    ...(now === undefined ? {} : { now }),
  });

const dpopHandler = (provider = idp, now?: () => number) =>
  new ProxyAuthHandler({
    credential: dpopCredential(provider, now),
    scope: "litellm_proxy_api",
    logger: { warn: () => {} },
    ...(now === undefined ? {} : { now }),
  });

const accepted = (target: MockProxy) => target.requests.filter((request) => request.status === 200);

describe("DPoP-bound tokens end to end (real oidc-provider, DPoP-checking proxy)", () => {
  it("completion(), a stream and embedding() succeed, each request with its own proof", async () => {
    proxy.resetRecords();
    const client = createClient({ apiBase: proxy.url, proxyAuth: dpopHandler() });
    const chat = await client.completion(hello);
    expect(chat.choices[0]?.message.content).toBe("Echo: Hello!");
    let text = "";
    for await (const chunk of await client.completion({ ...hello, stream: true })) {
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe("Echo: Hello!");
    const embeddings = await client.embedding({ model: "e", input: "x" });
    expect(embeddings.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(proxy.rejected).toBe(0);
    const proofs = proxy.requests.map((request) => request.headers.dpop);
    expect(new Set(proofs).size).toBe(3);
    for (const request of proxy.requests) {
      expect(request.headers.authorization).toMatch(/^DPoP /);
      expect(request.claims?.cnf).toBeDefined();
    }
  });

  it("createAuthFetch gives the openai package DPoP: chat, stream, embeddings", async () => {
    proxy.resetRecords();
    const openai = new OpenAI({
      baseURL: proxy.url,
      apiKey: "unused",
      fetch: createAuthFetch(dpopHandler(), { origins: [proxy.url] }),
    });
    const chat = await openai.chat.completions.create(hello);
    expect(chat.choices[0]?.message.content).toBe("Echo: Hello!");
    let text = "";
    for await (const chunk of await openai.chat.completions.create({ ...hello, stream: true })) {
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe("Echo: Hello!");
    const embeddings = await openai.embeddings.create({ model: "e", input: "x" });
    expect(embeddings.data).toHaveLength(1);
    expect(proxy.rejected).toBe(0);
    expect(accepted(proxy)).toHaveLength(3);
  });

  it("a revoked DPoP-bound token: 401, one fresh grant, the replay carries a new proof", async () => {
    const handler = dpopHandler();
    const client = createClient({ apiBase: proxy.url, proxyAuth: handler });
    await client.completion(hello);
    const revoked = (await handler.getToken()).token;
    proxy.revoke(revoked);
    proxy.resetRecords();
    const issued = idp.tokensIssued;
    const answer = await client.completion(hello);
    expect(answer.choices[0]?.message.content).toBe("Echo: Hello!");
    expect(proxy.requests.map((request) => request.status)).toEqual([401, 200]);
    expect(proxy.requests[1]?.token).not.toBe(revoked);
    expect(proxy.requests[1]?.headers.dpop).not.toBe(proxy.requests[0]?.headers.dpop);
    expect(idp.tokensIssued - issued).toBe(1);
  });

  it("createApiKeyProvider refuses a DPoP-bound token (a key function cannot add proofs)", async () => {
    await expect(createApiKeyProvider(dpopHandler())()).rejects.toThrow(/createAuthFetch/);
  });

  it("nonces from the token endpoint and from the proxy: one retry each, then remembered", async () => {
    nonceProxy.resetRecords();
    const grantsBefore = nonceIdp.tokenRequests.length;
    const client = createClient({ apiBase: nonceProxy.url, proxyAuth: dpopHandler(nonceIdp) });
    await client.completion(hello);
    expect(nonceIdp.tokenRequests.slice(grantsBefore).map((request) => request.status)).toEqual([
      400, 200,
    ]);
    expect(nonceProxy.requests.map((request) => request.status)).toEqual([401, 200]);
    expect(nonceProxy.requests[0]?.rejection).toBe("DPoP nonce required");
    // Same token, proxy nonce remembered: no more challenges.
    await client.completion(hello);
    await client.embedding({ model: "e", input: "x" });
    expect(nonceProxy.requests.map((request) => request.status)).toEqual([401, 200, 200, 200]);
  });
});

describe("the proxy refuses a DPoP-bound token used without its key (each 401)", () => {
  const chatUrl = () => `${proxy.url}/chat/completions`;
  const send = (headers: Record<string, string>, url = chatUrl()) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(hello),
      signal: AbortSignal.timeout(10_000),
    });

  let token: string;
  let capturedProof: string;
  let handler: ProxyAuthHandler;
  beforeAll(async () => {
    handler = dpopHandler();
    // Capture one real request's token and proof, as a log or a memory dump would.
    const recording: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      token = headers.get("authorization")?.slice(5) ?? "";
      capturedProof = headers.get("dpop") ?? "";
      return fetch(input, init);
    };
    const response = await createAuthFetch(handler, { fetch: recording })(chatUrl(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(hello),
    });
    expect(response.status).toBe(200);
    expect(decodeJwt(token).cnf).toBeDefined();
  });
  const prover = () => {
    const found = dpopProverOf(handler.credential);
    if (found === undefined) throw new Error("no prover");
    return found;
  };

  it("control: a fresh proof of the right key, method and URL is accepted", async () => {
    const proof = await prover().proof({ method: "POST", url: chatUrl(), accessToken: token });
    expect((await send({ authorization: `DPoP ${token}`, dpop: proof })).status).toBe(200);
  });

  it("the token replayed without a proof", async () => {
    expect((await send({ authorization: `DPoP ${token}` })).status).toBe(401);
    expect(proxy.requests.at(-1)?.rejection).toBe("missing or multiple DPoP proofs");
  });

  it("a proof for another method", async () => {
    const proof = await prover().proof({ method: "GET", url: chatUrl(), accessToken: token });
    expect((await send({ authorization: `DPoP ${token}`, dpop: proof })).status).toBe(401);
    expect(proxy.requests.at(-1)?.rejection).toBe("DPoP proof for another method");
  });

  it("a proof for another URL", async () => {
    const proof = await prover().proof({
      method: "POST",
      url: `${proxy.url}/embeddings`,
      accessToken: token,
    });
    expect((await send({ authorization: `DPoP ${token}`, dpop: proof })).status).toBe(401);
    expect(proxy.requests.at(-1)?.rejection).toBe("DPoP proof for another URL");
  });

  it("a reused jti (the captured proof sent again)", async () => {
    expect((await send({ authorization: `DPoP ${token}`, dpop: capturedProof })).status).toBe(401);
    expect(proxy.requests.at(-1)?.rejection).toBe("DPoP proof replayed (jti seen before)");
  });

  it("a proof signed by another key", async () => {
    const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
      "sign",
      "verify",
    ]);
    const proof = await createDPoPProver(keyPair).proof({
      method: "POST",
      url: chatUrl(),
      accessToken: token,
    });
    expect((await send({ authorization: `DPoP ${token}`, dpop: proof })).status).toBe(401);
    expect(proxy.requests.at(-1)?.rejection).toBe("DPoP proof signed by another key (cnf.jkt)");
  });

  it("the DPoP-bound token sent as a bearer token", async () => {
    expect((await send({ authorization: `Bearer ${token}` })).status).toBe(401);
    expect(proxy.requests.at(-1)?.rejection).toBe("DPoP-bound token used as a bearer token");
  });
});

describe("rotation under load with DPoP", () => {
  it("short tokens, concurrent callers: 0 rejected, one grant per rotation", async () => {
    // The handler's and the credential's clock: each round moves it into the refresh window.
    idp.setTokenLifetime(60);
    let clock = Date.now();
    const now = () => clock;
    const handler = dpopHandler(idp, now);
    const client = createClient({ apiBase: proxy.url, proxyAuth: handler, now });
    proxy.resetRecords();
    const issuedBefore = idp.tokensIssued;
    const rounds = 4;
    for (let round = 0; round <= rounds; round++) {
      const answers = await Promise.all(Array.from({ length: 40 }, () => client.completion(hello)));
      expect(answers).toHaveLength(40);
      // One background refresh per rotation: wait until it has landed before the next.
      await vi.waitFor(() => expect(idp.tokensIssued - issuedBefore).toBe(round + 1));
      if (round < rounds) clock += 35_000;
    }
    // The last refresh's token serves the next call.
    await client.completion(hello);
    expect(proxy.rejected).toBe(0);
    expect(idp.tokensIssued - issuedBefore).toBe(rounds + 1);
    const tokens = new Set(proxy.requests.map((request) => request.token));
    expect(tokens.size).toBe(rounds + 1);
    idp.setTokenLifetime(3600);
  });
});
