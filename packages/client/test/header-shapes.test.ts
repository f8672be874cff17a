import { type MockProxy, startMockProxy } from "@proxy-auth/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthHeaderShape, createAuthFetch, createClient } from "../src/index.js";
import { type Deployment, hello, startDeployment } from "./fixtures.js";

// The gateways that do not read `Authorization: Bearer`, each as a proxy that checks the JWT
// only in its own header.
const gateways: [string, Required<AuthHeaderShape>, string][] = [
  ["Cloudflare AI Gateway", { header: "cf-aig-authorization", scheme: "Bearer" }, "Bearer eyJ"],
  ["Portkey", { header: "x-portkey-api-key", scheme: null }, "eyJ"],
  ["an Anthropic-style endpoint", { header: "x-api-key", scheme: null }, "eyJ"],
];

let deployment: Deployment;
const proxies = new Map<string, MockProxy>();
beforeAll(async () => {
  deployment = await startDeployment();
  for (const [name, shape] of gateways) {
    proxies.set(
      name,
      await startMockProxy({
        jwksUrl: deployment.idp.jwksUrl,
        issuer: deployment.idp.issuer,
        audience: deployment.idp.audience,
        authHeader: shape,
      }),
    );
  }
});
afterAll(async () => {
  await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
  await deployment.close();
});

describe.each(gateways)("%s", (name, shape, prefix) => {
  const proxy = () => proxies.get(name) as MockProxy;

  it("createClient sends the token in that header; the default Authorization is refused there", async () => {
    const client = createClient({
      apiBase: proxy().url,
      proxyAuth: deployment.handler(),
      ...shape,
    });
    expect((await client.completion(hello)).choices[0]?.message.content).toBe("Echo: Hello!");
    expect((await client.embedding({ model: "e", input: "hi" })).data).toHaveLength(1);
    const sent = proxy().requests.at(-1);
    expect(sent?.headers[shape.header]).toMatch(new RegExp(`^${prefix}`));
    expect(sent?.headers.authorization).toBeUndefined();

    const plain = createClient({ apiBase: proxy().url, proxyAuth: deployment.handler() });
    await expect(plain.completion(hello)).rejects.toMatchObject({ status: 401 });
  });

  it("createAuthFetch (under the openai package) sets that header, leaves Authorization alone, and replays a 401", async () => {
    const handler = deployment.handler();
    const openai = new OpenAI({
      baseURL: proxy().url,
      apiKey: "provider-key", // Cloudflare forwards Authorization to the provider: it must pass through
      fetch: createAuthFetch(handler, shape),
      maxRetries: 0,
    });
    const first = await openai.chat.completions.create(hello);
    expect(first.choices[0]?.message.content).toBe("Echo: Hello!");
    const sent = proxy().requests.at(-1);
    expect(sent?.headers[shape.header]).toMatch(new RegExp(`^${prefix}`));
    expect(sent?.headers.authorization).toBe("Bearer provider-key");

    proxy().revoke(sent?.token as string);
    const before = proxy().requests.length;
    const replayed = await openai.chat.completions.create(hello);
    expect(replayed.choices[0]?.message.content).toBe("Echo: Hello!");
    expect(
      proxy()
        .requests.slice(before)
        .map((request) => request.status),
    ).toEqual([401, 200]);
    expect(proxy().requests.at(-1)?.token).not.toBe(sent?.token);
  });
});

describe("the configured header", () => {
  it("replaces a value the caller gave it (any case), and carries a static apiKey too", async () => {
    const name = "an Anthropic-style endpoint";
    const proxy = proxies.get(name) as MockProxy;
    const shape = { header: "x-api-key", scheme: null };
    const handler = deployment.handler();
    const fetched = await createAuthFetch(handler, shape)(`${proxy.url}/chat/completions`, {
      method: "POST",
      headers: { "X-Api-Key": "caller-value", "content-type": "application/json" },
      body: JSON.stringify(hello),
    });
    expect(fetched.status).toBe(200);
    const client = createClient({
      apiBase: proxy.url,
      proxyAuth: handler,
      headers: { "X-API-KEY": "caller-value" },
      ...shape,
    });
    await client.completion(hello);
    expect(proxy.requests.slice(-2).map((request) => request.headers["x-api-key"])).toEqual([
      proxy.requests.at(-1)?.token,
      proxy.requests.at(-1)?.token,
    ]);

    const key = await deployment.idp.issueToken(); // a key issued out of band, sent as is
    const keyed = createClient({ apiBase: proxy.url, apiKey: key, ...shape });
    expect((await keyed.completion(hello)).choices[0]?.message.content).toBe("Echo: Hello!");
    expect(proxy.requests.at(-1)?.headers["x-api-key"]).toBe(key);
  });
});

describe("invalid header shapes", () => {
  it("are refused where they are given, with a ConfigurationError", () => {
    const handler = deployment.handler();
    expect(() => createAuthFetch(handler, { header: "x-key\r\nx-evil: 1" })).toThrow(
      /createAuthFetch: "header"/,
    );
    expect(() =>
      createClient({ apiBase: "https://proxy.test", proxyAuth: handler, scheme: "Bear er" }),
    ).toThrow(/createClient\(\): "scheme"/);
    expect(() =>
      createClient({ apiBase: "https://proxy.test", proxyAuth: handler, header: "Host" }),
    ).toThrow(expect.objectContaining({ code: "CONFIGURATION_ERROR" }));
  });
});
