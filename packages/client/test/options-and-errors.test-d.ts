// Type tests: option types say what is allowed, and errors narrow by `isInstance`.
import {
  ConfigurationError,
  ProxyAuthError,
  type ProxyAuthHandlerOptions,
  TokenAcquisitionError,
} from "@proxy-auth/core";
import { describe, expectTypeOf, it } from "vitest";
import {
  type ClientOptions,
  createClient,
  ProxyRequestError,
  type RequestOptions,
} from "../src/index.js";

describe("option types", () => {
  it("client options: durations in milliseconds, counts and limits as numbers, the header shape", () => {
    expectTypeOf<ClientOptions["timeoutMs"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ClientOptions["maxRetries"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ClientOptions["maxResponseBytes"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ClientOptions["scheme"]>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<RequestOptions["signal"]>().toEqualTypeOf<AbortSignal | undefined>();
    createClient({ apiBase: "https://p.example", header: "x-api-key", scheme: null });
    // @ts-expect-error a timeout is a number of milliseconds, not a string
    createClient({ apiBase: "https://p.example", timeoutMs: "10s" });
  });

  it("handler options: the failure policy is one of two words, the buffer is in seconds", () => {
    expectTypeOf<ProxyAuthHandlerOptions["onTokenError"]>().toEqualTypeOf<
      "warn" | "throw" | undefined
    >();
    expectTypeOf<ProxyAuthHandlerOptions["refreshBufferSeconds"]>().toEqualTypeOf<
      number | undefined
    >();
  });
});

describe("error narrowing", () => {
  it("isInstance narrows to the class, with its fields typed", () => {
    const error: unknown = undefined;
    if (ProxyRequestError.isInstance(error)) {
      expectTypeOf(error).toEqualTypeOf<ProxyRequestError>();
      expectTypeOf(error.status).toEqualTypeOf<number>();
      expectTypeOf(error.retryAfterSeconds).toEqualTypeOf<number | undefined>();
    }
    if (TokenAcquisitionError.isInstance(error)) {
      expectTypeOf(error.oauthError).toEqualTypeOf<string | undefined>();
      expectTypeOf(error.retryable).toEqualTypeOf<boolean>();
    }
    if (ConfigurationError.isInstance(error)) expectTypeOf(error).toExtend<ProxyAuthError>();
    if (ProxyAuthError.isInstance(error)) expectTypeOf(error.code).toEqualTypeOf<string>();
  });
});
