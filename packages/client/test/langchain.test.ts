import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createApiKeyProvider, createAuthFetch } from "../src/index.js";
import { type Deployment, startDeployment } from "./fixtures.js";

// Short-lived tokens that really rotate: the identity provider, the proxy (zero leeway) and the
// handler share one clock, moved past each token's expiry between calls.
const LIFETIME_SECONDS = 60;
const rotate = () => vi.setSystemTime(Date.now() + (LIFETIME_SECONDS + 1) * 1000);

let deployment: Deployment;
beforeAll(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  deployment = await startDeployment();
  deployment.idp.setTokenLifetime(LIFETIME_SECONDS);
});
afterAll(async () => {
  await deployment.close();
  vi.useRealTimers();
});
beforeEach(() => deployment.proxy.resetRecords());

describe.each([
  ["createAuthFetch as configuration.fetch", "fetch"],
  ["createApiKeyProvider as apiKey", "apiKey"],
] as const)("@langchain/openai with %s", (_, adapter) => {
  it("invoke, stream and embed, each with the token current at that moment", async () => {
    const handler = deployment.handler({ now: () => Date.now() });
    const auth =
      adapter === "fetch"
        ? { apiKey: "unused", configuration: { fetch: createAuthFetch(handler) } }
        : { apiKey: createApiKeyProvider(handler), configuration: {} };
    const options = {
      ...auth,
      configuration: { ...auth.configuration, baseURL: deployment.proxy.url },
      maxRetries: 0,
    };
    const chat = new ChatOpenAI({ model: "gpt-4", ...options });
    const embeddings = new OpenAIEmbeddings({ model: "text-embedding-3-small", ...options });
    const issued = deployment.idp.tokensIssued;

    const answer = await chat.invoke("Hello!");
    expect(answer.content).toBe("Echo: Hello!");
    rotate();
    let streamed = "";
    for await (const chunk of await chat.stream("Hello!")) streamed += chunk.content;
    expect(streamed).toBe("Echo: Hello!");
    rotate();
    const vector = await embeddings.embedQuery("hi");
    expect(vector).toHaveLength(8);
    const [first] = await embeddings.embedDocuments(["again"]);
    expect(first).toHaveLength(8);

    const requests = deployment.proxy.requests;
    expect(requests.map((request) => request.path)).toEqual([
      "/chat/completions",
      "/chat/completions",
      "/embeddings",
      "/embeddings",
    ]);
    // Every request was accepted, each rotation brought a new token, the last one was reused.
    expect(deployment.proxy.rejected).toBe(0);
    expect(new Set(requests.map((request) => request.token)).size).toBe(3);
    expect(deployment.idp.tokensIssued - issued).toBe(3);
  });
});

describe("@langchain/openai with createAuthFetch", () => {
  it("a token revoked before its expiry: the 401 is replayed once with a fresh token", async () => {
    const handler = deployment.handler({ now: () => Date.now() });
    const chat = new ChatOpenAI({
      model: "gpt-4",
      apiKey: "unused",
      configuration: { baseURL: deployment.proxy.url, fetch: createAuthFetch(handler) },
      maxRetries: 0,
    });
    await chat.invoke("Hello!");
    deployment.proxy.revoke(deployment.proxy.requests.at(-1)?.token as string);
    const answer = await chat.invoke("Hello!");
    expect(answer.content).toBe("Echo: Hello!");
    expect(deployment.proxy.requests.map((request) => request.status)).toEqual([200, 401, 200]);
  });
});
