// Type tests of what users write with @proxy-auth/core: a credential of their own, the handler,
// events narrowed by `type`, errors narrowed by `isInstance`, a token cache of their own.
import { describe, expectTypeOf, it } from "vitest";
import {
  type AccessToken,
  ConfigurationError,
  createMemoryTokenCache,
  ProxyAuthError,
  type ProxyAuthEvent,
  ProxyAuthHandler,
  type ProxyAuthHandlerOptions,
  TokenAcquisitionError,
  type TokenAuthorization,
  type TokenCache,
  type TokenCredential,
} from "../src/index.js";

const credential: TokenCredential = {
  getToken: async () => ({ token: "t", expiresOn: 0 }),
};

describe("the quick start", () => {
  it("a credential may answer synchronously or with a promise; expiresOn is in seconds", () => {
    const sync: TokenCredential = { getToken: () => ({ token: "t", expiresOn: 1 }) };
    expectTypeOf(sync.getToken).returns.toEqualTypeOf<AccessToken | Promise<AccessToken>>();
    expectTypeOf<AccessToken["expiresOn"]>().toEqualTypeOf<number>();
    // @ts-expect-error a token needs its expiry
    const incomplete: TokenCredential = { getToken: () => ({ token: "t" }) };
    void incomplete;
  });

  it("the handler gives headers, a token, or an authorization that is a token or an error", async () => {
    const handler = new ProxyAuthHandler({ credential, scope: "api://proxy/.default" });
    expectTypeOf(await handler.getAuthHeaders()).toEqualTypeOf<Record<string, string>>();
    expectTypeOf(await handler.getToken()).toEqualTypeOf<AccessToken>();
    const authorization: TokenAuthorization = await handler.authorize();
    if (authorization.error === undefined)
      expectTypeOf(authorization.token).toEqualTypeOf<string>();
    else expectTypeOf(authorization.error).toEqualTypeOf<ProxyAuthError>();
  });
});

describe("option types", () => {
  it("durations: milliseconds where the name says Ms, seconds where it says Seconds", () => {
    expectTypeOf<ProxyAuthHandlerOptions["maxTokenWaitMs"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ProxyAuthHandlerOptions["refreshBufferSeconds"]>().toEqualTypeOf<
      number | undefined
    >();
    // @ts-expect-error a duration is a number, not "15s"
    new ProxyAuthHandler({ credential, scope: "s", maxTokenWaitMs: "15s" });
    // @ts-expect-error the failure policy is "warn" or "throw"
    new ProxyAuthHandler({ credential, scope: "s", onTokenError: "ignore" });
    // @ts-expect-error the scope is required
    new ProxyAuthHandler({ credential });
  });

  it("a cache of one's own implements TokenCache; the memory cache is one", () => {
    expectTypeOf(createMemoryTokenCache()).toExtend<TokenCache>();
    new ProxyAuthHandler({
      credential,
      scope: "s",
      cache: createMemoryTokenCache(),
      cacheKey: "k",
    });
  });
});

describe("narrowing", () => {
  it("events narrow by type", () => {
    const listener = (event: ProxyAuthEvent) => {
      if (event.type === "token.acquired") {
        expectTypeOf(event.source).toEqualTypeOf<"credential" | "shared-cache">();
      }
      if (event.type === "token.failed") expectTypeOf(event.servingCached).toEqualTypeOf<boolean>();
    };
    new ProxyAuthHandler({ credential, scope: "s", onEvent: listener });
  });

  it("errors narrow by isInstance, with their fields typed", () => {
    const error: unknown = undefined;
    if (TokenAcquisitionError.isInstance(error)) {
      expectTypeOf(error).toEqualTypeOf<TokenAcquisitionError>();
      expectTypeOf(error.oauthError).toEqualTypeOf<string | undefined>();
      expectTypeOf(error.status).toEqualTypeOf<number | undefined>();
      expectTypeOf(error.retryAfterSeconds).toEqualTypeOf<number | undefined>();
    }
    if (ConfigurationError.isInstance(error)) expectTypeOf(error).toExtend<ProxyAuthError>();
    if (ProxyAuthError.isInstance(error)) expectTypeOf(error.code).toEqualTypeOf<string>();
  });
});
