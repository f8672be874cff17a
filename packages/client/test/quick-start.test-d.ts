// Type tests (vitest's expectTypeOf, run by `vitest run` through tsc): what users write must
// compile, and what they must not write must not. The README's quick start, as written there.
import {
  type ProxyAuthHandler as Handler,
  ProxyAuthHandler,
  type ProxyAuthHandlerOptions,
} from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import { describe, expectTypeOf, it } from "vitest";
import { type ChatCompletion, createClient, litellm, type ProxyClient } from "../src/index.js";

describe("the quick start", () => {
  it("compiles as the README writes it, and the answer is typed", () => {
    litellm.proxyAuth = new ProxyAuthHandler({
      credential: new GenericOAuth2Credential({
        clientId: "your-client-id",
        clientSecret: "your-client-secret",
        tokenUrl: "https://your-idp.example.com/oauth2/token",
      }),
      scope: "litellm_proxy_api",
    });
    litellm.apiBase = "https://my-proxy.example.com";
    const call = () =>
      litellm.completion({ model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] });
    expectTypeOf(call).returns.resolves.toEqualTypeOf<ChatCompletion>();
    expectTypeOf<ChatCompletion["choices"][number]["message"]["content"]>().toEqualTypeOf<
      string | null
    >();
  });

  it("a stream is an async iterable of chunks; createClient has the same calls", () => {
    const client = createClient({ apiBase: "https://my-proxy.example.com" });
    expectTypeOf(client).toEqualTypeOf<ProxyClient>();
    const stream = () =>
      client.completion({ model: "m", messages: [{ role: "user", content: "x" }], stream: true });
    expectTypeOf(stream).returns.resolves.toExtend<AsyncIterable<unknown>>();
  });

  it("a credential is any object with getToken(scope) returning seconds", () => {
    const credential = {
      getToken: async (scope: string) => ({ token: scope, expiresOn: 1_700_000_000 }),
    };
    expectTypeOf<ProxyAuthHandlerOptions["credential"]>().toExtend<object>();
    expectTypeOf(new ProxyAuthHandler({ credential, scope: "s" })).toEqualTypeOf<Handler>();
    // @ts-expect-error a credential needs getToken
    new ProxyAuthHandler({ credential: {}, scope: "s" });
    const inDates = { getToken: async () => ({ token: "t", expiresOn: new Date() }) };
    // @ts-expect-error expiresOn is a number of seconds, not a Date
    new ProxyAuthHandler({ credential: inDates, scope: "s" });
  });
});
