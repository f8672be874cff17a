import { readFileSync } from "node:fs";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { AccessToken, Logger, TokenCredential } from "@proxy-auth/core";
import { DEFAULT_CLIENT, type IdentityProvider, startIdentityProvider } from "@proxy-auth/testing";
import { embed, generateText } from "ai";
import { decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type BackendStub,
  EMBEDDING,
  STREAM_WORDS,
  startBackendStub,
} from "../src/backend-stub.js";
import {
  BACKEND_KEY,
  freePort,
  type LitellmProxy,
  MOCK_REPLY,
  MODELS,
  release,
  startLitellmProxy,
} from "../src/litellm-proxy.js";
import { installPackedPackages, type PackedPackages } from "../src/packed-packages.js";

let idp: IdentityProvider;
let stub: BackendStub;
let proxy: LitellmProxy;
let packed: PackedPackages;

const messages = [{ role: "user" as const, content: "Hello!" }];
const PINNED_VERSION = /^litellm\[proxy\]==(\S+)/m.exec(
  readFileSync(release.requirementsFile, "utf8"),
)?.[1];

beforeAll(async () => {
  idp = await startIdentityProvider();
  stub = await startBackendStub();
  // The proxy boots (~20 s) while the packages are packed and installed.
  [proxy, packed] = await Promise.all([
    startLitellmProxy({
      jwksUrl: idp.jwksUrl,
      issuer: idp.issuer,
      audience: idp.audience,
      backendApiBase: stub.apiBase,
    }),
    installPackedPackages(),
  ]);
});

afterAll(async () => {
  await proxy?.stop();
  await stub?.close();
  await idp?.close();
  packed?.remove();
});

afterEach(() => {
  idp.setTokenLifetime(3600);
  idp.clearFaults();
  const { litellm } = packed.client;
  litellm.proxyAuth = undefined;
  litellm.apiBase = undefined;
  litellm.useLitellmProxy = false;
  delete process.env.LITELLM_PROXY_API_BASE;
});

/** The handler of the README, on the packed packages. */
function handlerFor(options: { logger?: Logger; credential?: TokenCredential } = {}) {
  const { ProxyAuthHandler } = packed.core;
  const { GenericOAuth2Credential } = packed.oauth2;
  return new ProxyAuthHandler({
    credential:
      options.credential ??
      new GenericOAuth2Credential({
        clientId: DEFAULT_CLIENT.clientId,
        clientSecret: DEFAULT_CLIENT.clientSecret,
        tokenUrl: idp.tokenUrl,
      }),
    scope: "litellm_proxy_api",
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}

/** A fetch that records the status of every answer the proxy gave. */
function recordingFetch() {
  const statuses: number[] = [];
  const bodies: string[] = [];
  const fetcher: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    statuses.push(response.status);
    if (!response.ok) bodies.push(await response.clone().text());
    return response;
  };
  return { fetch: fetcher, statuses, bodies };
}

describe("the packed packages against the real LiteLLM proxy", () => {
  it("runs the README quick start: completion() with a token the proxy verified", async () => {
    const { litellm } = packed.client;
    const issued = idp.tokensIssued;
    litellm.proxyAuth = handlerFor();
    litellm.apiBase = proxy.url;
    const response = await litellm.completion({ model: MODELS.mock, messages });
    expect(response.choices[0]?.message.content).toBe(MOCK_REPLY);
    expect(idp.tokensIssued - issued).toBe(1);
  });

  it("embedding() through the proxy to the backend", async () => {
    const { createClient } = packed.client;
    const client = createClient({ apiBase: proxy.url, proxyAuth: handlerFor() });
    const response = await client.embedding({ model: MODELS.embedding, input: ["a", "b"] });
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    expect(response.data[0]?.embedding).toEqual(EMBEDDING);
    expect(stub.requests.at(-1)?.path).toBe("/v1/embeddings");
  });

  it("streams a completion: chunks arrive while the backend is still writing", async () => {
    const { createClient } = packed.client;
    const client = createClient({ apiBase: proxy.url, proxyAuth: handlerFor() });
    const ended = stub.streamsEndedAt.length;
    const stream = await client.completion({ model: MODELS.chat, messages, stream: true });
    const arrivals: number[] = [];
    let text = "";
    for await (const chunk of stream) {
      arrivals.push(Date.now());
      text += chunk.choices[0]?.delta?.content ?? "";
    }
    expect(text).toBe(STREAM_WORDS.join(" "));
    expect(stub.streamsEndedAt.length).toBe(ended + 1);
    // The backend waits between chunks: the first one reached us before it wrote the last.
    expect(arrivals[0]).toBeLessThan(stub.streamsEndedAt[ended] as number);
  });

  it("routes through LITELLM_PROXY_API_BASE with useLitellmProxy", async () => {
    const { litellm } = packed.client;
    process.env.LITELLM_PROXY_API_BASE = proxy.url;
    litellm.useLitellmProxy = true;
    litellm.proxyAuth = handlerFor();
    const response = await litellm.completion({ model: MODELS.mock, messages });
    expect(response.choices[0]?.message.content).toBe(MOCK_REPLY);
  });

  it("serves the openai package (createApiKeyProvider) and the AI SDK (createAuthFetch)", async () => {
    const { createApiKeyProvider, createAuthFetch } = packed.client;
    const handler = handlerFor();
    const openai = new OpenAI({ baseURL: proxy.url, apiKey: createApiKeyProvider(handler) });
    const completion = await openai.chat.completions.create({ model: MODELS.mock, messages });
    expect(completion.choices[0]?.message.content).toBe(MOCK_REPLY);
    const embeddings = await openai.embeddings.create({ model: MODELS.embedding, input: "x" });
    expect(embeddings.data[0]?.embedding).toEqual(EMBEDDING);

    const provider = createOpenAICompatible({
      name: "litellm",
      baseURL: proxy.url,
      fetch: createAuthFetch(handler),
    });
    const { text } = await generateText({ model: provider.chatModel(MODELS.mock), prompt: "Hi" });
    expect(text).toBe(MOCK_REPLY);
    const { embedding } = await embed({
      model: provider.embeddingModel(MODELS.embedding),
      value: "x",
    });
    expect(embedding).toEqual(EMBEDDING);
  });

  it("has the proxy check every token: a forged one, or none, is refused", async () => {
    const call = (authorization?: string) =>
      fetch(`${proxy.url}/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(authorization === undefined ? {} : { authorization }),
        },
        body: JSON.stringify({ model: MODELS.mock, messages }),
      });
    const real = await idp.issueToken();
    // Same header and claims as a real token, signed with a key the provider never published.
    const { privateKey } = await generateKeyPair("RS256");
    const claims = JSON.parse(Buffer.from(real.split(".")[1] as string, "base64url").toString());
    const forged = await new SignJWT(claims)
      .setProtectedHeader(decodeProtectedHeader(real) as { alg: string })
      .sign(privateKey);
    const accepted = await call(`Bearer ${real}`);
    expect(accepted.status).toBe(200);
    // The release locked in this run's requirements file is the one answering.
    expect(accepted.headers.get("x-litellm-version")).toBe(PINNED_VERSION);
    const refused = await call(`Bearer ${forged}`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({
      error: { message: "Authentication Error, Invalid token (InvalidSignatureError)" },
    });
    const missing = await call();
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBeNull();
  });

  it("replays once with a fresh token when the proxy rejects one as expired", async () => {
    const { createClient } = packed.client;
    const { GenericOAuth2Credential } = packed.oauth2;
    // A token that is really expired at the proxy, handed out as if it had an hour left.
    idp.setTokenLifetime(1);
    const expired = await idp.issueToken();
    const exp = JSON.parse(Buffer.from(expired.split(".")[1] as string, "base64url").toString())
      .exp as number;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 1100),
    );
    idp.setTokenLifetime(3600);
    const real = new GenericOAuth2Credential({
      clientId: DEFAULT_CLIENT.clientId,
      clientSecret: DEFAULT_CLIENT.clientSecret,
      tokenUrl: idp.tokenUrl,
    });
    let calls = 0;
    const credential: TokenCredential = {
      async getToken(scope: string): Promise<AccessToken> {
        calls++;
        if (calls === 1) return { token: expired, expiresOn: Math.floor(Date.now() / 1000) + 3600 };
        return real.getToken(scope);
      },
    };
    const recorder = recordingFetch();
    const client = createClient({
      apiBase: proxy.url,
      proxyAuth: handlerFor({ credential }),
      fetch: recorder.fetch,
    });
    const response = await client.completion({ model: MODELS.mock, messages });
    expect(response.choices[0]?.message.content).toBe(MOCK_REPLY);
    expect(recorder.statuses).toEqual([401, 200]);
    expect(JSON.parse(recorder.bodies[0] as string)).toEqual({
      error: {
        message: "Authentication Error, Token Expired",
        type: "auth_error",
        param: "None",
        code: "401",
      },
    });
    expect(calls).toBe(2);
  });

  it("explains the 401 with one warning when the identity provider is down", async () => {
    const { createClient, ProxyRequestError } = packed.client;
    const { GenericOAuth2Credential } = packed.oauth2;
    const warnings: string[] = [];
    const logger: Logger = { warn: (message) => warnings.push(message) };
    const down = `http://127.0.0.1:${await freePort()}/token`;
    const handler = handlerFor({
      logger,
      credential: new GenericOAuth2Credential({
        clientId: DEFAULT_CLIENT.clientId,
        clientSecret: DEFAULT_CLIENT.clientSecret,
        tokenUrl: down,
      }),
    });
    const recorder = recordingFetch();
    const client = createClient({ apiBase: proxy.url, proxyAuth: handler, fetch: recorder.fetch });
    const failure = await client.completion({ model: MODELS.mock, messages }).catch((e) => e);
    expect(failure).toBeInstanceOf(ProxyRequestError);
    expect(failure.status).toBe(401);
    expect(failure.message).toMatch(/answered 401 because no token could be obtained/);
    expect(recorder.statuses).toEqual([401]);
    expect(recorder.bodies[0]).toContain("No bearer token was sent");
    expect(warnings).toHaveLength(1);
  });

  it("rotates 5-second tokens under sustained load for 30 s with no request rejected", {
    timeout: 120_000,
  }, async () => {
    const { createClient } = packed.client;
    idp.setTokenLifetime(5);
    const issued = idp.tokensIssued;
    const recorder = recordingFetch();
    const client = createClient({
      apiBase: proxy.url,
      proxyAuth: handlerFor(),
      fetch: recorder.fetch,
      maxRetries: 0,
    });
    const until = Date.now() + 30_000;
    let succeeded = 0;
    const failures: unknown[] = [];
    const worker = async () => {
      while (Date.now() < until) {
        try {
          const response = await client.completion({ model: MODELS.mock, messages });
          if (response.choices[0]?.message.content === MOCK_REPLY) succeeded++;
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(failures).toEqual([]);
    expect(recorder.statuses.filter((status) => status !== 200)).toEqual([]);
    expect(succeeded).toBe(recorder.statuses.length);
    expect(succeeded).toBeGreaterThan(100);
    // 30 s of 5-second tokens: many generations were used, none too early to count as churn.
    const generations = idp.tokensIssued - issued;
    expect(generations).toBeGreaterThanOrEqual(8);
    expect(generations).toBeLessThanOrEqual(16);
  });

  it("never lets our bearer token reach the backend", () => {
    // Every backend request this suite caused carried LiteLLM's backend key, never a JWT.
    expect(stub.requests.length).toBeGreaterThanOrEqual(4);
    for (const request of stub.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${BACKEND_KEY}`);
      expect(JSON.stringify(request.headers)).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
      expect(JSON.stringify(request.body)).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    }
  });
});
