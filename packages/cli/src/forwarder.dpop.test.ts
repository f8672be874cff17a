import { ProxyAuthHandler } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type MockProxy,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Forwarder, startForwarder } from "./forwarder.js";

const hello = { model: "m", messages: [{ role: "user" as const, content: "Hello!" }] };
let idp: IdentityProvider;
let proxy: MockProxy;
let forwarder: Forwarder;

beforeAll(async () => {
  // Nonces on both sides and DPoP required by the proxy: the forwarder must do all of it.
  idp = await startIdentityProvider({ dpop: { requireNonce: true } });
  proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
    dpop: { required: true, requireNonce: true },
  });
  const handler = new ProxyAuthHandler({
    credential: new GenericOAuth2Credential({
      ...DEFAULT_CLIENT,
      tokenUrl: idp.tokenUrl,
      dpop: true,
    }),
    scope: "litellm_proxy_api",
  });
  forwarder = await startForwarder({ handler, target: `${proxy.url}/v1` });
});
afterAll(async () => {
  await forwarder.close({ timeoutMs: 0 });
  await proxy.close();
  await idp.close();
});

it("proxy-auth serve with DPoP: chat, stream and embeddings through the openai package", async () => {
  const openai = new OpenAI({ baseURL: forwarder.url, apiKey: "unused" });
  const chat = await openai.chat.completions.create(hello);
  expect(chat.choices[0]?.message.content).toBe("Echo: Hello!");
  let text = "";
  for await (const chunk of await openai.chat.completions.create({ ...hello, stream: true })) {
    text += chunk.choices[0]?.delta.content ?? "";
  }
  expect(text).toBe("Echo: Hello!");
  const embeddings = await openai.embeddings.create({ model: "e", input: "x" });
  expect(embeddings.data).toHaveLength(1);
  // One nonce challenge from the proxy, answered once; then every proof carries the nonce.
  expect(proxy.requests.map((request) => request.status)).toEqual([401, 200, 200, 200]);
  expect(idp.tokenRequests.map((request) => request.status)).toEqual([400, 200]);
  for (const request of proxy.requests) {
    expect(request.headers.authorization).toMatch(/^DPoP /);
    expect(request.path.startsWith("/v1/")).toBe(true);
  }
});

it("a client's own DPoP header is replaced by the forwarder's proof", async () => {
  proxy.resetRecords();
  const response = await fetch(`${forwarder.url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", dpop: "a.forged.proof" },
    body: JSON.stringify(hello),
  });
  expect(response.status).toBe(200);
  expect(proxy.requests[0]?.headers.dpop).not.toBe("a.forged.proof");
});
