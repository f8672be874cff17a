// Type tests of what users write with @proxy-auth/cache-redis: the options and their units, and
// that the cache plugs into the handler as a core TokenCache.
import { ProxyAuthHandler, type TokenCache, type TokenCredential } from "@proxy-auth/core";
import { describe, expectTypeOf, it } from "vitest";
import { createRedisTokenCache, type RedisTokenCacheOptions } from "../src/index.js";

const credential: TokenCredential = { getToken: async () => ({ token: "t", expiresOn: 0 }) };

describe("createRedisTokenCache", () => {
  it("is a TokenCache the handler takes, with close()", () => {
    const cache = createRedisTokenCache({ url: "redis://127.0.0.1:6379", encryptionKey: "k" });
    expectTypeOf(cache).toExtend<TokenCache>();
    expectTypeOf(cache.close).returns.toEqualTypeOf<Promise<void>>();
    new ProxyAuthHandler({ credential, scope: "s", cache });
  });

  it("options: a key as text or bytes, the command timeout in milliseconds", () => {
    expectTypeOf<RedisTokenCacheOptions["encryptionKey"]>().toEqualTypeOf<
      string | Uint8Array | undefined
    >();
    expectTypeOf<RedisTokenCacheOptions["commandTimeoutMs"]>().toEqualTypeOf<number | undefined>();
    // @ts-expect-error a timeout is a number of milliseconds
    createRedisTokenCache({ url: "redis://r", commandTimeoutMs: "1s" });
    // @ts-expect-error plaintext is a boolean choice, not a word
    createRedisTokenCache({ url: "redis://r", allowPlaintext: "yes" });
  });
});
