// Type tests: the handler given to the official `openai` package and to the AI SDK, as the
// client README shows it, type-checks against those packages' own option types.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { ProxyAuthHandler } from "@proxy-auth/core";
import OpenAI, { type ClientOptions as OpenAIOptions } from "openai";
import { describe, expectTypeOf, it } from "vitest";
import { createApiKeyProvider, createAuthFetch } from "../src/index.js";

declare const handler: ProxyAuthHandler;

describe("adapters for other clients", () => {
  it("createApiKeyProvider fits the openai package's apiKey", () => {
    expectTypeOf(createApiKeyProvider(handler)).toExtend<NonNullable<OpenAIOptions["apiKey"]>>();
    new OpenAI({ baseURL: "https://my-proxy.example.com", apiKey: createApiKeyProvider(handler) });
  });

  it("createAuthFetch is a fetch: the openai package's and the AI SDK's fetch option take it", () => {
    const authFetch = createAuthFetch(handler, { origins: ["https://my-proxy.example.com"] });
    expectTypeOf(authFetch).toEqualTypeOf<typeof fetch>();
    expectTypeOf(authFetch).toExtend<NonNullable<OpenAIOptions["fetch"]>>();
    createOpenAICompatible({ name: "litellm", baseURL: "https://p.example", fetch: authFetch });
    // @ts-expect-error origins are strings
    createAuthFetch(handler, { origins: [new URL("https://p.example")] });
  });
});
