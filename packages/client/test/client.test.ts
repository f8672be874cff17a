import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigurationError, TokenAcquisitionError } from "@proxy-auth/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createClient,
  embedding,
  completion as globalCompletion,
  litellm,
  ProxyRequestError,
} from "../src/index.js";
import { hello, useDeployment } from "./fixtures.js";

const deployment = useDeployment();

const lastRequest = () => deployment.proxy.requests.at(-1);
const noSleep = { _internal: { sleep: async () => {} } };

describe("completion and embedding through a JWT-checking proxy", () => {
  it("completes a chat with the token injected, passing every request field through unchanged", async () => {
    const client = createClient({ apiBase: deployment.proxy.url, proxyAuth: deployment.handler() });
    const request = {
      ...hello,
      temperature: 0.2,
      tools: [
        {
          type: "function",
          function: { name: "lookup", parameters: { type: "object", properties: {} } },
        },
      ],
      response_format: { type: "json_object" },
      vertex_location: "europe-west4",
      metadata: { trace: "abc" },
    };
    const response = await client.completion(request);
    expect(response.choices[0]?.message.content).toBe("Echo: Hello!");
    expect(lastRequest()?.body).toEqual(request);
    expect(lastRequest()?.path).toBe("/chat/completions");
    expect(lastRequest()?.claims?.scope).toBe("litellm_proxy_api");
  });

  it("embeds, also under a /v1 base", async () => {
    const client = createClient({
      apiBase: `${deployment.proxy.url}/v1/`,
      proxyAuth: deployment.handler(),
    });
    const response = await client.aembedding({
      model: "text-embedding-3-small",
      input: ["a", "b"],
    });
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    expect(response.data[0]?.embedding).toHaveLength(8);
    expect(lastRequest()?.path).toBe("/v1/embeddings");
  });

  it("streams chunks that add up to the answer", async () => {
    const client = createClient({ apiBase: deployment.proxy.url, proxyAuth: deployment.handler() });
    const stream = await client.completion({ ...hello, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Echo: Hello!");
    expect(lastRequest()?.headers.accept).toBe("text/event-stream");
  });

  it("closes the connection when the loop breaks early", async () => {
    deployment.proxy.streamDelayMs = 30;
    try {
      const client = createClient({
        apiBase: deployment.proxy.url,
        proxyAuth: deployment.handler(),
      });
      const stream = await client.completion({
        ...hello,
        messages: [{ role: "user", content: "one two three four five six" }],
        stream: true,
      });
      for await (const _chunk of stream) break;
      await vi.waitFor(() => expect(lastRequest()?.streamClosedEarly).toBe(true), {
        timeout: 5_000,
      });
    } finally {
      deployment.proxy.streamDelayMs = 0;
    }
  });
});

describe("the global litellm object", () => {
  afterEach(() => {
    litellm.proxyAuth = undefined;
    litellm.apiBase = undefined;
    litellm.apiKey = undefined;
    litellm.useLitellmProxy = false;
    vi.unstubAllEnvs();
  });

  it("works as the seed: proxyAuth and apiBase set once, then completion() and embedding()", async () => {
    litellm.proxyAuth = deployment.handler();
    // Kept as checked: without its trailing slash.
    litellm.apiBase = `${deployment.proxy.url}/`;
    expect(litellm.apiBase).toBe(deployment.proxy.url);
    expect((await litellm.completion(hello)).choices[0]?.message.content).toBe("Echo: Hello!");
    expect((await embedding({ model: "e", input: "x" })).data).toHaveLength(1);
    expect(litellm.acompletion).toBe(litellm.completion);
    expect(litellm.aembedding).toBe(litellm.embedding);
  });

  it("useLitellmProxy routes to LITELLM_PROXY_API_BASE, model name unchanged", async () => {
    vi.stubEnv("LITELLM_PROXY_API_BASE", deployment.proxy.url);
    litellm.useLitellmProxy = true;
    litellm.proxyAuth = deployment.handler();
    const response = await globalCompletion({
      model: "vertex_ai/gemini-2.0-flash-001",
      messages: [{ role: "user", content: "Hello!" }],
    });
    expect(response.model).toBe("vertex_ai/gemini-2.0-flash-001");
    expect(lastRequest()?.body).toMatchObject({ model: "vertex_ai/gemini-2.0-flash-001" });
  });

  it("USE_LITELLM_PROXY=true turns proxy mode on, with LITELLM_PROXY_API_KEY as the static key", async () => {
    vi.stubEnv("USE_LITELLM_PROXY", "true");
    vi.stubEnv("LITELLM_PROXY_API_BASE", deployment.proxy.url);
    vi.stubEnv("LITELLM_PROXY_API_KEY", "sk-static-key");
    const error = await globalCompletion(hello).catch((caught: unknown) => caught);
    expect(ProxyRequestError.isInstance(error)).toBe(true);
    expect(lastRequest()?.headers.authorization).toBe("Bearer sk-static-key");
  });

  it("checks each setting when it is assigned, keeping the previous value", () => {
    litellm.apiBase = deployment.proxy.url;
    const assign = (set: () => void) => {
      try {
        set();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const wrongBase = assign(() => {
      litellm.apiBase = "my-proxy";
    });
    expect(ConfigurationError.isInstance(wrongBase)).toBe(true);
    expect((wrongBase as Error).message).toMatch(/apiBase.*https:\/\/my-proxy\.example\.com/);
    expect(litellm.apiBase).toBe(deployment.proxy.url);
    for (const set of [
      () => {
        litellm.apiKey = "";
      },
      () => {
        litellm.proxyAuth = {} as never;
      },
      () => {
        litellm.useLitellmProxy = "yes" as never;
      },
    ]) {
      expect(ConfigurationError.isInstance(assign(set))).toBe(true);
    }
    expect(litellm.apiKey).toBeUndefined();
    expect(litellm.useLitellmProxy).toBe(false);
  });

  it("says what to set when there is no proxy address", async () => {
    const error = await globalCompletion(hello).catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/litellm\.apiBase.*LITELLM_PROXY_API_BASE/);
  });

  it("refuses an apiBase with a user name or password at creation, never echoing the password", async () => {
    const password = "pa55-word-of-the-proxy-71c";
    const base = deployment.proxy.url.replace("http://", `http://user:${password}@`);
    const made = (() => {
      try {
        createClient({ apiBase: base, proxyAuth: deployment.handler() });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(ConfigurationError.isInstance(made)).toBe(true);
    expect((made as Error).message).toMatch(/"apiBase" must not carry a user name or password/);
    const perCall = await createClient({ proxyAuth: deployment.handler() })
      .completion(hello, { apiBase: base })
      .catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(perCall)).toBe(true);
    for (const error of [made, perCall]) {
      expect(JSON.stringify(error)).not.toContain(password);
      expect(String((error as Error).message)).not.toContain(password);
      expect((error as Error).cause).toBeUndefined();
    }
    expect(deployment.proxy.requests).toHaveLength(0);
  });

  it("in proxy mode without LITELLM_PROXY_API_BASE, says to set that, not to turn proxy mode on", async () => {
    vi.stubEnv("LITELLM_PROXY_API_BASE", undefined);
    litellm.useLitellmProxy = true;
    const error = await globalCompletion(hello).catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain(
      "litellm.useLitellmProxy = true routes calls to LITELLM_PROXY_API_BASE, which is not set",
    );
    expect(message).not.toContain("set litellm.useLitellmProxy");
    litellm.useLitellmProxy = false;
    vi.stubEnv("USE_LITELLM_PROXY", "true");
    const fromEnvironment = await globalCompletion(hello).catch((caught: unknown) => caught);
    expect((fromEnvironment as Error).message).toContain("USE_LITELLM_PROXY=true routes calls");
    // An apiBase given with the call is enough.
    const withBase = await globalCompletion(hello, { apiBase: "http://127.0.0.1:9" }).catch(
      (caught: unknown) => caught,
    );
    expect(ConfigurationError.isInstance(withBase)).toBe(false);
  });
});

describe("extra_body", () => {
  it("sends its fields at the top level, unchanged, next to the known ones; never extra_body itself", async () => {
    const client = createClient({ apiBase: deployment.proxy.url, proxyAuth: deployment.handler() });
    const extras = { mock_response: "hi", fallbacks: ["gpt-4o"], metadata: { tags: ["a"] } };
    const request = { ...hello, temperature: 0.2, extra_body: extras };
    await client.completion(request);
    expect(lastRequest()?.body).toEqual({
      ...hello,
      temperature: 0.2,
      mock_response: "hi",
      fallbacks: ["gpt-4o"],
      metadata: { tags: ["a"] },
    });
    expect(request.extra_body).toBe(extras); // the caller's object is untouched
    await client.embedding({ model: "e", input: "x", extra_body: { input_type: "query" } });
    expect(lastRequest()?.body).toEqual({ model: "e", input: "x", input_type: "query" });
    const wrong = await client
      .completion({ ...hello, extra_body: "top_k=5" as never })
      .catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(wrong)).toBe(true);
    expect((wrong as Error).message).toContain('"extra_body" must be an object');
  });
});

describe("headers", () => {
  it("the injected Authorization wins over the caller's; other headers pass; caller objects untouched", async () => {
    const clientHeaders = { "X-Team": "search", authorization: "Bearer from-client" };
    const callHeaders = {
      "x-team": "ads",
      AUTHORIZATION: "Bearer from-call",
      "X-Request-Id": "42",
    };
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler(),
      headers: clientHeaders,
    });
    await client.completion(hello, { headers: callHeaders });
    const received = lastRequest()?.headers ?? {};
    expect(received.authorization).toMatch(/^Bearer eyJ/);
    expect(received["x-team"]).toBe("ads");
    expect(received["x-request-id"]).toBe("42");
    expect(received["content-type"]).toBe("application/json");
    expect(clientHeaders).toEqual({ "X-Team": "search", authorization: "Bearer from-client" });
    expect(callHeaders).toEqual({
      "x-team": "ads",
      AUTHORIZATION: "Bearer from-call",
      "X-Request-Id": "42",
    });
  });
});

describe("when no token can be had", () => {
  it('"warn": falls back to the static key', async () => {
    deployment.idp.injectFault(
      { kind: "status", status: 400, body: '{"error":"invalid_client"}' },
      Number.POSITIVE_INFINITY,
    );
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler(),
      apiKey: "sk-fallback",
      ...noSleep,
    });
    await client.completion(hello).catch(() => {});
    expect(lastRequest()?.headers.authorization).toBe("Bearer sk-fallback");
  });

  it('"warn" without a key: the request goes without Authorization and the 401 says why', async () => {
    deployment.idp.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY);
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler({ retry: { attempts: 1 } }),
      ...noSleep,
    });
    const error = (await client
      .completion(hello)
      .catch((caught: unknown) => caught)) as ProxyRequestError;
    expect(lastRequest()?.headers.authorization).toBeUndefined();
    expect(error).toMatchObject({ code: "PROXY_REQUEST_FAILED", status: 401, retryable: false });
    expect(error.message).toMatch(/no token could be obtained/);
    expect(TokenAcquisitionError.isInstance(error.cause)).toBe(true);
  });

  it('"throw": the call rejects with the TokenAcquisitionError and nothing is sent', async () => {
    deployment.idp.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY);
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler({ onTokenError: "throw", retry: { attempts: 1 } }),
    });
    const error = await client.completion(hello).catch((caught: unknown) => caught);
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect(deployment.proxy.requests).toHaveLength(0);
  });
});

describe("401 replay", () => {
  it("invalidates the refused token, gets a fresh one and replays once", async () => {
    const client = createClient({ apiBase: deployment.proxy.url, proxyAuth: deployment.handler() });
    await client.completion(hello);
    const issued = deployment.idp.tokensIssued;
    deployment.proxy.revoke(lastRequest()?.token as string);
    const response = await client.completion(hello);
    expect(response.choices[0]?.message.content).toBe("Echo: Hello!");
    expect(deployment.idp.tokensIssued - issued).toBe(1);
    const [refused, replayed] = deployment.proxy.requests.slice(-2);
    expect(refused?.status).toBe(401);
    expect(replayed?.status).toBe(200);
    expect(replayed?.token).not.toBe(refused?.headers.authorization?.toString().slice(7));
  });

  it("never replays more than once per call", async () => {
    const client = createClient({ apiBase: deployment.proxy.url, proxyAuth: deployment.handler() });
    deployment.proxy.injectFault({ kind: "status", status: 401 }, 3);
    const error = (await client
      .completion(hello)
      .catch((caught: unknown) => caught)) as ProxyRequestError;
    expect(error.status).toBe(401);
    expect(deployment.proxy.requests).toHaveLength(2);
  });

  it("a burst of concurrent 401s for one token costs one new grant", async () => {
    const client = createClient({ apiBase: deployment.proxy.url, proxyAuth: deployment.handler() });
    await client.completion(hello);
    const issued = deployment.idp.tokensIssued;
    deployment.proxy.revoke(lastRequest()?.token as string);
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.completion(hello)));
    expect(
      responses.every((response) => response.choices[0]?.message.content === "Echo: Hello!"),
    ).toBe(true);
    expect(deployment.idp.tokensIssued - issued).toBe(1);
  });
});

describe("retries, timeouts and aborts", () => {
  /** A client whose retries record their waits instead of sleeping. */
  function recordingClient() {
    const waits: number[] = [];
    const sleep = async (milliseconds: number) => {
      waits.push(milliseconds);
    };
    const _internal = { sleep, random: () => 0 };
    return {
      waits,
      client: createClient({
        apiBase: deployment.proxy.url,
        proxyAuth: deployment.handler(),
        _internal,
      }),
    };
  }

  it("retries 5xx and 429 up to maxRetries, honouring Retry-After", async () => {
    const { waits, client } = recordingClient();
    deployment.proxy.injectFault({ kind: "status", status: 503 });
    deployment.proxy.injectFault({ kind: "status", status: 429, retryAfter: 3 });
    expect((await client.completion(hello)).choices[0]?.message.content).toBe("Echo: Hello!");
    expect(waits).toEqual([0, 3000]);
    expect(deployment.proxy.requests.map((request) => request.status)).toEqual([503, 429, 200]);
  });

  it("one Retry-After rule with the handler: a long one is waited for up to 60 s, not refused, and the error carries it", async () => {
    const { waits, client } = recordingClient();
    deployment.proxy.injectFault({ kind: "status", status: 429, retryAfter: 3600 }, 2);
    const error = (await client
      .completion(hello, { maxRetries: 1 })
      .catch((caught: unknown) => caught)) as ProxyRequestError;
    expect(waits).toEqual([60_000]);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 3600 });
    expect(deployment.proxy.requests.map((request) => request.status)).toEqual([429, 429]);
  });

  it("gives up after maxRetries with a retryable ProxyRequestError carrying the body", async () => {
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler(),
      ...noSleep,
    });
    deployment.proxy.injectFault(
      { kind: "status", status: 502, body: '{"error":{"message":"upstream down"}}' },
      5,
    );
    const error = (await client
      .completion(hello, { maxRetries: 1 })
      .catch((caught: unknown) => caught)) as ProxyRequestError;
    expect(error).toMatchObject({
      status: 502,
      retryable: true,
      body: { error: { message: "upstream down" } },
    });
    expect(error.message).toContain("upstream down");
    expect(deployment.proxy.requests).toHaveLength(2);
  });

  it("does not retry a 400", async () => {
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler(),
      ...noSleep,
    });
    deployment.proxy.injectFault({
      kind: "status",
      status: 400,
      body: '{"error":{"message":"bad model"}}',
    });
    const error = (await client
      .completion(hello)
      .catch((caught: unknown) => caught)) as ProxyRequestError;
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(deployment.proxy.requests).toHaveLength(1);
  });

  it("retries a reset connection, then succeeds", async () => {
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler(),
      ...noSleep,
    });
    deployment.proxy.injectFault({ kind: "reset" });
    expect((await client.completion(hello)).choices[0]?.message.content).toBe("Echo: Hello!");
  });

  it("times out a hanging proxy", async () => {
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler(),
      ...noSleep,
    });
    deployment.proxy.injectFault({ kind: "hang" });
    const error = (await client
      .completion(hello, { timeoutMs: 100, maxRetries: 0 })
      .catch((caught: unknown) => caught)) as ProxyRequestError;
    expect(error).toMatchObject({ code: "PROXY_REQUEST_FAILED", status: 0, retryable: true });
    expect(error.message).toMatch(/did not answer within 100 ms/);
  });

  it("rejects with the signal's reason when the caller aborts", async () => {
    const client = createClient({ apiBase: deployment.proxy.url, proxyAuth: deployment.handler() });
    deployment.proxy.injectFault({ kind: "hang" });
    const controller = new AbortController();
    const pending = client.completion(hello, { signal: controller.signal });
    await vi.waitFor(() => expect(deployment.proxy.requests).toHaveLength(1));
    controller.abort(new Error("user cancelled"));
    await expect(pending).rejects.toThrow("user cancelled");
  });

  it("a refused connection is a retryable ProxyRequestError naming the code", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = createClient({ apiBase: `http://127.0.0.1:${port}`, maxRetries: 0 });
    const error = (await client
      .embedding({ model: "e", input: "x" })
      .catch((caught: unknown) => caught)) as ProxyRequestError;
    expect(error).toMatchObject({ status: 0, retryable: true });
    expect(error.message).toContain("ECONNREFUSED");
  });
});

describe("configuration errors", () => {
  const bad: [string, () => unknown][] = [
    ["a base that is not a URL", () => createClient({ apiBase: "my-proxy" })],
    ["a non-http base", () => createClient({ apiBase: "ftp://proxy.example.com" })],
    [
      "a proxyAuth that is not a handler",
      () => createClient({ apiBase: "https://p.example", proxyAuth: {} as never }),
    ],
    ["an empty apiKey", () => createClient({ apiBase: "https://p.example", apiKey: "" })],
    ["a negative maxRetries", () => createClient({ apiBase: "https://p.example", maxRetries: -1 })],
    [
      "a header that is not a string",
      () => createClient({ apiBase: "https://p.example", headers: { x: 1 as never } }),
    ],
  ];
  it.each(bad)("createClient rejects %s", (_, make) => {
    expect(make).toThrow(ConfigurationError);
  });

  it("completion rejects a request without model or messages, and a zero timeout", async () => {
    const client = createClient({ apiBase: "https://p.example" });
    await expect(client.completion({ messages: [] } as never)).rejects.toThrow(/"model"/);
    await expect(client.completion({ model: "m" } as never)).rejects.toThrow(/"messages"/);
    await expect(client.embedding({ model: "m" } as never)).rejects.toThrow(/"input"/);
    await expect(client.completion(hello, { timeoutMs: 0 })).rejects.toThrow(/"timeoutMs"/);
  });
});
