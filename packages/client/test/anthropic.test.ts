import Anthropic from "@anthropic-ai/sdk";
import { type MockProxy, startMockProxy } from "@proxy-auth/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApiKeyProvider, createAuthFetch } from "../src/index.js";
import { type Deployment, startDeployment } from "./fixtures.js";

const request = {
  model: "claude", // a LiteLLM model alias
  max_tokens: 64,
  messages: [{ role: "user" as const, content: "Hello!" }],
};

let deployment: Deployment;
let xApiKeyProxy: MockProxy;
beforeAll(async () => {
  deployment = await startDeployment();
  xApiKeyProxy = await startMockProxy({
    jwksUrl: deployment.idp.jwksUrl,
    issuer: deployment.idp.issuer,
    audience: deployment.idp.audience,
    authHeader: { header: "x-api-key", scheme: null },
  });
});
afterAll(async () => {
  await xApiKeyProxy.close();
  await deployment.close();
});
beforeEach(() => {
  deployment.proxy.resetRecords();
  xApiKeyProxy.resetRecords();
});

/** A message and a streamed message (assembled by the SDK from Anthropic's events). */
async function converse(anthropic: Anthropic) {
  const message = await anthropic.messages.create(request);
  const streamed = await anthropic.messages.stream(request).finalMessage();
  return { message, streamed };
}

describe("the real @anthropic-ai/sdk against LiteLLM's /v1/messages", () => {
  it("with createAuthFetch as its fetch: Authorization: Bearer, a 401 replayed with a fresh token", async () => {
    const handler = deployment.handler();
    const anthropic = new Anthropic({
      baseURL: deployment.proxy.url,
      apiKey: "replaced-by-createAuthFetch",
      fetch: createAuthFetch(handler, { origins: [deployment.proxy.url] }),
      maxRetries: 0,
    });
    const { message, streamed } = await converse(anthropic);
    expect(message.content).toEqual([{ type: "text", text: "Echo: Hello!" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(streamed.content).toEqual([{ type: "text", text: "Echo: Hello!" }]);
    expect(streamed.usage.output_tokens).toBe(2);
    const sent = deployment.proxy.requests;
    expect(sent.map((record) => [record.path, record.status])).toEqual([
      ["/v1/messages", 200],
      ["/v1/messages", 200],
    ]);
    expect(sent[0]?.headers.authorization).toMatch(/^Bearer eyJ/);

    deployment.proxy.revoke(sent[1]?.token as string);
    const replayed = await anthropic.messages.create(request);
    expect(replayed.content).toEqual([{ type: "text", text: "Echo: Hello!" }]);
    expect(sent.slice(2).map((record) => record.status)).toEqual([401, 200]);
  });

  it("with createApiKeyProvider as its apiKey (sent as Authorization: Bearer on every request)", async () => {
    const anthropic = new Anthropic({
      baseURL: deployment.proxy.url,
      apiKey: createApiKeyProvider(deployment.handler()),
      maxRetries: 0,
    });
    const { message, streamed } = await converse(anthropic);
    expect(message.content).toEqual([{ type: "text", text: "Echo: Hello!" }]);
    expect(streamed.content).toEqual([{ type: "text", text: "Echo: Hello!" }]);
    expect(deployment.proxy.rejected).toBe(0);
  });

  it("against an endpoint that reads x-api-key: createAuthFetch with { header: 'x-api-key', scheme: null }", async () => {
    const anthropic = new Anthropic({
      baseURL: xApiKeyProxy.url,
      apiKey: null,
      defaultHeaders: { authorization: null },
      fetch: createAuthFetch(deployment.handler(), { header: "x-api-key", scheme: null }),
      maxRetries: 0,
    });
    const { message, streamed } = await converse(anthropic);
    expect(message.content).toEqual([{ type: "text", text: "Echo: Hello!" }]);
    expect(streamed.content).toEqual([{ type: "text", text: "Echo: Hello!" }]);
    const sent = xApiKeyProxy.requests[0];
    expect(sent?.headers["x-api-key"]).toMatch(/^eyJ/);
    expect(sent?.headers.authorization).toBeUndefined();
    expect(xApiKeyProxy.rejected).toBe(0);
  });
});
