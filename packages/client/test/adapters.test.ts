import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { ProxyAuthHandler } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import { DEFAULT_CLIENT, startMockProxy } from "@proxy-auth/testing";
import { embed, generateText, streamText } from "ai";
import OpenAI, { AzureOpenAI } from "openai";
import { describe, expect, it } from "vitest";
import {
  createApiKeyProvider,
  createAuthFetch,
  createClient,
  ProxyRequestError,
} from "../src/index.js";
import { hello, useDeployment } from "./fixtures.js";

const deployment = useDeployment();

describe("the official openai package", () => {
  it("chat and embeddings with createApiKeyProvider as its apiKey", async () => {
    const openai = new OpenAI({
      baseURL: deployment.proxy.url,
      apiKey: createApiKeyProvider(deployment.handler()),
    });
    const chat = await openai.chat.completions.create(hello);
    expect(chat.choices[0]?.message.content).toBe("Echo: Hello!");
    const embeddings = await openai.embeddings.create({
      model: "text-embedding-3-small",
      input: "hi",
    });
    expect(embeddings.data[0]?.embedding).toHaveLength(8);
    expect(deployment.proxy.rejected).toBe(0);
  });

  it("AzureOpenAI with createApiKeyProvider as its azureADTokenProvider", async () => {
    const azure = new AzureOpenAI({
      endpoint: deployment.proxy.url,
      apiVersion: "2024-10-21",
      deployment: "gpt-4",
      azureADTokenProvider: createApiKeyProvider(deployment.handler()),
    });
    const chat = await azure.chat.completions.create(hello);
    expect(chat.choices[0]?.message.content).toBe("Echo: Hello!");
    const request = deployment.proxy.requests.at(-1);
    expect(request?.path).toBe("/openai/deployments/gpt-4/chat/completions");
    expect(request?.headers.authorization).toMatch(/^Bearer eyJ/);
    expect(deployment.proxy.rejected).toBe(0);
  });

  it("streams with createAuthFetch as its fetch", async () => {
    const openai = new OpenAI({
      baseURL: deployment.proxy.url,
      apiKey: "unused",
      fetch: createAuthFetch(deployment.handler()),
    });
    const stream = await openai.chat.completions.create({ ...hello, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Echo: Hello!");
    expect(deployment.proxy.requests.at(-1)?.headers.authorization).toMatch(/^Bearer eyJ/);
  });
});

describe("the AI SDK (@ai-sdk/openai-compatible)", () => {
  const provider = () =>
    createOpenAICompatible({
      name: "litellm",
      baseURL: deployment.proxy.url,
      fetch: createAuthFetch(deployment.handler()),
    });

  it("generateText, streamText and embed", async () => {
    const litellm = provider();
    const { text } = await generateText({ model: litellm.chatModel("gpt-4"), prompt: "Hello!" });
    expect(text).toBe("Echo: Hello!");
    const streamed = streamText({ model: litellm.chatModel("gpt-4"), prompt: "Hello!" });
    let collected = "";
    for await (const part of streamed.textStream) collected += part;
    expect(collected).toBe("Echo: Hello!");
    const { embedding } = await embed({
      model: litellm.textEmbeddingModel("text-embedding-3-small"),
      value: "hi",
    });
    expect(embedding).toHaveLength(8);
    expect(deployment.proxy.rejected).toBe(0);
  });

  it("a wrong client secret reaches the caller as invalid_client, not as the proxy's 401", async () => {
    const handler = new ProxyAuthHandler({
      credential: new GenericOAuth2Credential({
        clientId: DEFAULT_CLIENT.clientId,
        clientSecret: "not-the-secret",
        tokenUrl: deployment.idp.tokenUrl,
      }),
      scope: "litellm_proxy_api",
      logger: { warn: () => {} },
    });
    const litellm = createOpenAICompatible({
      name: "litellm",
      baseURL: deployment.proxy.url,
      fetch: createAuthFetch(handler),
    });
    const caught = await generateText({
      model: litellm.chatModel("gpt-4"),
      prompt: "Hello!",
      maxRetries: 0,
    }).catch((error: unknown) => error);
    expect(caught).toBeInstanceOf(ProxyRequestError);
    expect((caught as ProxyRequestError).message).toMatch(
      /no token could be obtained.*invalid_client/,
    );
    expect((caught as ProxyRequestError).cause).toMatchObject({ oauthError: "invalid_client" });
    // The same through the openai package given createAuthFetch as its fetch.
    const openai = new OpenAI({
      baseURL: deployment.proxy.url,
      apiKey: "unused",
      fetch: createAuthFetch(handler),
      maxRetries: 0,
    });
    const viaOpenAI = await openai.chat.completions.create(hello).catch((error: unknown) => error);
    // openai wraps what fetch throws in its APIConnectionError; ours is its cause.
    expect((viaOpenAI as Error).cause).toBeInstanceOf(ProxyRequestError);
    expect(((viaOpenAI as Error).cause as Error).message).toMatch(/invalid_client/);
  });
});

describe("one handler behind every client", () => {
  it("200 mixed concurrent calls (our client, openai, the AI SDK) cost one token request", async () => {
    const handler = deployment.handler();
    const issued = deployment.idp.tokensIssued;
    const ours = createClient({ apiBase: deployment.proxy.url, proxyAuth: handler });
    const openai = new OpenAI({
      baseURL: deployment.proxy.url,
      apiKey: createApiKeyProvider(handler),
    });
    const sdk = createOpenAICompatible({
      name: "litellm",
      baseURL: deployment.proxy.url,
      fetch: createAuthFetch(handler),
    });
    const calls = Array.from({ length: 200 }, async (_, i) => {
      switch (i % 4) {
        case 0:
          return (await ours.completion(hello)).choices[0]?.message.content;
        case 1:
          return (await openai.chat.completions.create(hello)).choices[0]?.message.content;
        case 2:
          return (await generateText({ model: sdk.chatModel("gpt-4"), prompt: "Hello!" })).text;
        default:
          return (await ours.embedding({ model: "e", input: "Hello!" })).data.length === 1
            ? "Echo: Hello!"
            : "";
      }
    });
    const answers = await Promise.all(calls);
    expect(answers.every((answer) => answer === "Echo: Hello!")).toBe(true);
    expect(deployment.idp.tokensIssued - issued).toBe(1);
    expect(deployment.proxy.requests).toHaveLength(200);
    expect(deployment.proxy.rejected).toBe(0);
  });
});

describe("createAuthFetch", () => {
  it("with origins, sends the token only to those origins", async () => {
    const elsewhere = await startMockProxy({ jwksUrl: deployment.idp.jwksUrl });
    try {
      const authFetch = createAuthFetch(deployment.handler(), { origins: [deployment.proxy.url] });
      const post = (base: string) =>
        authFetch(`${base}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(hello),
        });
      expect((await post(deployment.proxy.url)).status).toBe(200);
      expect((await post(elsewhere.url)).status).toBe(401);
      expect(elsewhere.requests[0]?.headers.authorization).toBeUndefined();
    } finally {
      await elsewhere.close();
    }
  });

  it("replaces the caller's Authorization and leaves the caller's init untouched", async () => {
    const init = {
      method: "POST",
      headers: { Authorization: "Bearer user-key", "x-team": "a" },
      body: JSON.stringify(hello),
    };
    const response = await createAuthFetch(deployment.handler())(
      `${deployment.proxy.url}/chat/completions`,
      init,
    );
    expect(response.status).toBe(200);
    expect(init.headers).toEqual({ Authorization: "Bearer user-key", "x-team": "a" });
    expect(deployment.proxy.requests.at(-1)?.headers["x-team"]).toBe("a");
  });

  it("after a 401, invalidates the token and replays once with a fresh one (string body and Request input)", async () => {
    const handler = deployment.handler();
    const authFetch = createAuthFetch(handler);
    const url = `${deployment.proxy.url}/chat/completions`;
    const first = await authFetch(url, { method: "POST", body: JSON.stringify(hello) });
    expect(first.status).toBe(200);
    deployment.proxy.revoke(deployment.proxy.requests.at(-1)?.token as string);
    const replayed = await authFetch(url, { method: "POST", body: JSON.stringify(hello) });
    expect(replayed.status).toBe(200);
    deployment.proxy.revoke(deployment.proxy.requests.at(-1)?.token as string);
    const fromRequest = await authFetch(
      new Request(url, { method: "POST", body: JSON.stringify(hello) }),
    );
    expect(fromRequest.status).toBe(200);
    expect(deployment.proxy.requests.map((request) => request.status)).toEqual([
      200, 401, 200, 401, 200,
    ]);
  });

  it("does not replay a body that can only be read once (a stream)", async () => {
    const handler = deployment.handler();
    const authFetch = createAuthFetch(handler);
    await authFetch(`${deployment.proxy.url}/embeddings`, {
      method: "POST",
      body: JSON.stringify({ model: "e", input: "x" }),
    });
    deployment.proxy.revoke(deployment.proxy.requests.at(-1)?.token as string);
    const body = new Blob([JSON.stringify({ model: "e", input: "x" })]).stream();
    const response = await authFetch(`${deployment.proxy.url}/embeddings`, {
      method: "POST",
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(401);
    expect(deployment.proxy.requests).toHaveLength(2);
  });
});
