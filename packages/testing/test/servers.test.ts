import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type MockProxy,
  startIdentityProvider,
  startMockProxy,
} from "../src/index.js";

let idp: IdentityProvider;
let proxy: MockProxy;
beforeAll(async () => {
  idp = await startIdentityProvider({ tokenLifetimeSeconds: 60 });
  proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
    requiredScope: "litellm_proxy_api",
  });
});
afterAll(async () => {
  await proxy.close();
  await idp.close();
});

const token = (scope?: string) => idp.issueToken(scope === undefined ? {} : { scope });

const call = (path: string, body: unknown, bearer?: string) =>
  fetch(`${proxy.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify(body),
  });

describe("startIdentityProvider", () => {
  it("counts requests, records parameters without the secret, and applies queued faults in order", async () => {
    const before = idp.tokenRequests.length;
    idp.injectFault({ kind: "status", status: 503, retryAfter: 3 });
    idp.injectFault({ kind: "nonJson" });
    const first = await fetch(idp.tokenUrl, { method: "POST" });
    const second = await fetch(idp.tokenUrl, { method: "POST" });
    expect([
      first.status,
      first.headers.get("retry-after"),
      second.headers.get("content-type"),
    ]).toEqual([503, "3", "text/html"]);
    await token();
    const records = idp.tokenRequests.slice(before);
    expect(records.map((record) => record.status)).toEqual([503, 200, 200]);
    expect(JSON.stringify(records)).not.toContain(DEFAULT_CLIENT.clientSecret);
    expect(records[2]?.authMethod).toBe("client_secret_post");
  });

  it("issues JWTs whose lifetime can change at run time", async () => {
    idp.setTokenLifetime(5);
    const claims = JSON.parse(atob((await token()).split(".")[1] as string)) as {
      exp: number;
      iat: number;
    };
    idp.setTokenLifetime(60);
    expect(claims.exp - claims.iat).toBe(5);
  });
});

describe("startMockProxy", () => {
  const chat = {
    model: "gpt-4",
    messages: [{ role: "user", content: "Hello there" }],
    temperature: 0.2,
  };

  it("answers chat completions and embeddings, with and without /v1, for a valid token", async () => {
    const bearer = await token();
    for (const prefix of ["", "/v1"]) {
      const completion = (await (
        await call(`${prefix}/chat/completions`, chat, bearer)
      ).json()) as {
        choices: { message: { content: string } }[];
      };
      expect(completion.choices[0]?.message.content).toBe("Echo: Hello there");
      const embedding = (await (
        await call(`${prefix}/embeddings`, { model: "e", input: ["a", "b"] }, bearer)
      ).json()) as {
        data: { embedding: number[] }[];
      };
      expect(embedding.data).toHaveLength(2);
      expect(embedding.data[0]?.embedding).toHaveLength(8);
    }
    expect(proxy.requests.at(-1)?.body).toEqual({ model: "e", input: ["a", "b"] });
  });

  it("streams server-sent events ending with [DONE]", async () => {
    const response = await call("/chat/completions", { ...chat, stream: true }, await token());
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const text = await response.text();
    const events = text.trim().split("\n\n");
    expect(events.at(-1)).toBe("data: [DONE]");
    const content = events
      .slice(0, -1)
      .map(
        (event) =>
          JSON.parse(event.slice("data: ".length)) as {
            choices: { delta: { content?: string } }[];
          },
      )
      .map((chunk) => chunk.choices[0]?.delta.content ?? "")
      .join("");
    expect(content).toBe("Echo: Hello there");
  });

  it("rejects a missing, forged, expired, wrong-audience or under-scoped token", async () => {
    const rejectedBefore = proxy.rejected;
    expect((await call("/chat/completions", chat)).status).toBe(401);
    expect((await call("/chat/completions", chat, "garbage")).status).toBe(401);
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({ scope: "litellm_proxy_api" })
      .setProtectedHeader({ alg: "RS256", kid: "proxy-auth-test-key" })
      .setIssuer(idp.issuer)
      .setAudience(idp.audience)
      .setExpirationTime("1h")
      .sign(privateKey);
    expect((await call("/chat/completions", chat, forged)).status).toBe(401);
    idp.setTokenLifetime(1);
    const shortLived = await token();
    idp.setTokenLifetime(60);
    const expiredProxy = await startMockProxy({
      jwksUrl: idp.jwksUrl,
      issuer: idp.issuer,
      currentDate: () => new Date(Date.now() + 2000),
    });
    const wrongAudience = await startMockProxy({
      jwksUrl: idp.jwksUrl,
      audience: "https://elsewhere.test",
    });
    try {
      const expired = await fetch(`${expiredProxy.url}/embeddings`, {
        method: "POST",
        headers: { authorization: `Bearer ${shortLived}`, "content-type": "application/json" },
        body: "{}",
      });
      expect(expired.status).toBe(401);
      expect(expiredProxy.requests[0]?.rejection).toContain("ERR_JWT_EXPIRED");
      // As the real LiteLLM proxy answers (tests/litellm-interop checks it there).
      expect(expired.headers.get("www-authenticate")).toBeNull();
      expect(await expired.json()).toEqual({
        error: {
          message: "Authentication Error, Token Expired",
          type: "auth_error",
          param: "None",
          code: "401",
        },
      });
      const audience = await fetch(`${wrongAudience.url}/embeddings`, {
        method: "POST",
        headers: { authorization: `Bearer ${await token()}`, "content-type": "application/json" },
        body: "{}",
      });
      expect(audience.status).toBe(401);
    } finally {
      await expiredProxy.close();
      await wrongAudience.close();
    }
    expect((await call("/chat/completions", chat, await token("openid"))).status).toBe(403);
    expect(proxy.rejected - rejectedBefore).toBe(4);
  });

  it("serves Anthropic's /v1/messages (only under /v1), as a message and as Anthropic's events", async () => {
    const bearer = await token();
    const messages = {
      model: "claude",
      max_tokens: 64,
      messages: [{ role: "user", content: [{ type: "text", text: "Hello there" }] }],
    };
    const message = (await (await call("/v1/messages", messages, bearer)).json()) as {
      type: string;
      content: { type: string; text: string }[];
    };
    expect(message.type).toBe("message");
    expect(message.content).toEqual([{ type: "text", text: "Echo: Hello there" }]);
    expect((await call("/messages", messages, bearer)).status).toBe(404);
    const stream = await call("/v1/messages", { ...messages, stream: true }, bearer);
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const events = (await stream.text())
      .trim()
      .split("\n\n")
      .map((event) => {
        const [name, data] = event.split("\n");
        const parsed = JSON.parse(data?.slice("data: ".length) ?? "") as {
          type: string;
          delta?: { text?: string };
        };
        expect(name).toBe(`event: ${parsed.type}`);
        return parsed;
      });
    expect(events[0]?.type).toBe("message_start");
    expect(events.at(-1)?.type).toBe("message_stop");
    const text = events
      .filter((event) => event.type === "content_block_delta")
      .map((event) => event.delta?.text)
      .join("");
    expect(text).toBe("Echo: Hello there");
  });

  it("reads the token from a configured header and scheme, and only from there", async () => {
    const bearer = await token();
    const shapes = [
      { shape: { header: "cf-aig-authorization" }, good: `Bearer ${bearer}` },
      { shape: { header: "x-portkey-api-key", scheme: null }, good: bearer },
      { shape: { header: "x-api-key", scheme: "" }, good: bearer },
    ];
    for (const { shape, good } of shapes) {
      const gateway = await startMockProxy({ jwksUrl: idp.jwksUrl, authHeader: shape });
      try {
        const send = (headers: Record<string, string>) =>
          fetch(`${gateway.url}/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body: JSON.stringify(chat),
          });
        expect((await send({ [shape.header]: good })).status).toBe(200);
        expect(gateway.requests[0]?.token).toBe(bearer);
        expect((await send({ authorization: `Bearer ${bearer}` })).status).toBe(401);
        const wrongScheme = shape.scheme === undefined ? bearer : `Bearer ${bearer}`;
        expect((await send({ [shape.header]: wrongScheme })).status).toBe(401);
      } finally {
        await gateway.close();
      }
    }
  });

  it("injects faults before authentication", async () => {
    proxy.injectFault({ kind: "status", status: 429, retryAfter: 1 });
    const response = await call("/chat/completions", chat, await token());
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("1");
    expect((await call("/chat/completions", chat, await token())).status).toBe(200);
  });
});
