import { beforeEach, describe, expect, it } from "vitest";
import {
  ControlledCredential,
  credentialFrom,
  flush,
  recordingLogger,
  TestClock,
  tokenString,
} from "../test/fixtures.js";
import type { AccessToken } from "./access-token.js";
import { ConfigurationError, TokenAcquisitionError } from "./errors.js";
import { ProxyAuthHandler } from "./proxy-auth-handler.js";
import type { ProxyAuthHandlerOptions } from "./proxy-auth-handler-options.js";
import { createMemoryTokenCache } from "./token-cache.js";
import type { TokenCredential } from "./token-credential.js";

// Issue #11: what a hostile or broken provider, credential or caller must not be able to do.

let clock: TestClock;
let logger: ReturnType<typeof recordingLogger>;

beforeEach(() => {
  clock = new TestClock();
  logger = recordingLogger();
});

function handlerWith(
  credential: TokenCredential,
  options: Partial<ProxyAuthHandlerOptions> = {},
): ProxyAuthHandler {
  return new ProxyAuthHandler({
    credential,
    scope: "api://proxy/.default",
    now: clock.now,
    logger,
    _internal: {
      random: () => 0.5,
      sleep: async (milliseconds) => {
        clock.time += milliseconds;
      },
    },
    ...options,
  });
}

function issued(n: number, lifetimeSeconds: number, extra: Partial<AccessToken> = {}): AccessToken {
  return { token: tokenString(n), expiresOn: clock.seconds + lifetimeSeconds, ...extra };
}

describe("a refreshAfter in the past", () => {
  it("costs one credential call per refresh floor (30 s), not one per request", async () => {
    // Every answer says "refresh now" (MSAL during an outage, or a broken credential).
    const credential = credentialFrom((n) => issued(n, 3600, { refreshAfter: clock.seconds - 60 }));
    const handler = handlerWith(credential);
    // One second of traffic: 200 requests, 5 ms apart.
    for (let i = 0; i < 200; i++) {
      await handler.getAuthHeaders();
      await flush(1);
      clock.time += 5;
    }
    expect(credential.calls).toBe(1);
    clock.advance(30);
    await handler.getAuthHeaders();
    await flush();
    expect(credential.calls).toBe(2);
  });
});

describe("Retry-After from the provider", () => {
  const tooBusy = (retryAfterSeconds: number) =>
    new TokenAcquisitionError("provider answered 429", {
      status: 429,
      retryable: true,
      retryAfterSeconds,
    });

  it("a 3600 s Retry-After during a background refresh holds the handler off for at most 60 s", async () => {
    let fail = false;
    const credential = credentialFrom((n) => {
      if (fail) throw tooBusy(3600);
      return issued(n, 120);
    });
    const handler = handlerWith(credential);
    await handler.getToken();
    fail = true;
    clock.advance(70); // inside the buffer: one background refresh, answered 429 + 1 h
    await handler.getToken();
    await flush();
    expect(credential.calls).toBe(2);
    fail = false; // the provider is healthy right after
    clock.advance(60); // the cached token has expired; the cap has passed
    expect((await handler.getAuthHeaders()).Authorization).toBe(`Bearer ${tokenString(3)}`);
  });

  it("ignores a Retry-After that is not a finite, non-negative number", async () => {
    for (const retryAfterSeconds of [Number.POSITIVE_INFINITY, Number.NaN, -5]) {
      let fail = true;
      const credential = credentialFrom((n) => {
        if (fail) throw tooBusy(retryAfterSeconds);
        return issued(n, 3600);
      });
      const handler = handlerWith(credential, { retry: { attempts: 1 } });
      await expect(handler.getToken()).rejects.toBeInstanceOf(TokenAcquisitionError);
      fail = false;
      clock.advance(1); // past the ordinary backoff (250 ms step)
      await expect(handler.getToken()).resolves.toMatchObject({ token: expect.any(String) });
    }
  });

  it("the cap is configurable as retry.maxRetryAfterSeconds and validated", async () => {
    let fail = true;
    const credential = credentialFrom((n) => {
      if (fail) throw tooBusy(3600);
      return issued(n, 3600);
    });
    const handler = handlerWith(credential, {
      retry: { attempts: 1, maxRetryAfterSeconds: 5 },
    });
    await expect(handler.getToken()).rejects.toBeInstanceOf(TokenAcquisitionError);
    fail = false;
    clock.advance(4);
    await expect(handler.getToken()).rejects.toBeInstanceOf(TokenAcquisitionError); // fails fast
    clock.advance(1);
    await expect(handler.getToken()).resolves.toMatchObject({ token: tokenString(2) });
    expect(() => handlerWith(credential, { retry: { maxRetryAfterSeconds: -1 } })).toThrow(
      ConfigurationError,
    );
  });
});

describe("one total bound on how long a caller waits (maxTokenWaitMs)", () => {
  it("a hung provider fails the caller after the bound, retries included", async () => {
    const credential = new ControlledCredential(); // never answers
    const handler = handlerWith(credential, { maxTokenWaitMs: 50 });
    const error = await handler.getToken().catch((caught: unknown) => caught);
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect((error as TokenAcquisitionError).retryable).toBe(true);
    // The credential call itself was cut to the bound (not credentialTimeoutMs, 30 s).
    expect(credential.pending[0]?.options?.signal?.aborted).toBe(true);
  });

  it("fits the retries inside the bound: no retry is started that would end after it", async () => {
    const credential = credentialFrom(() => {
      clock.advance(4); // each attempt takes 4 s of the injected clock
      throw new TokenAcquisitionError("503", { status: 503, retryable: true });
    });
    const handler = handlerWith(credential, {
      maxTokenWaitMs: 6_000,
      retry: { attempts: 5, baseDelayMs: 1_000 },
    });
    await expect(handler.getToken()).rejects.toBeInstanceOf(TokenAcquisitionError);
    expect(credential.calls).toBe(2); // 4 s + 0.5 s wait + 4 s: a third try would start past 6 s
  });

  it("is validated in the constructor", () => {
    expect(() =>
      handlerWith(
        credentialFrom((n) => issued(n, 60)),
        { maxTokenWaitMs: 0 },
      ),
    ).toThrow(ConfigurationError);
  });
});

describe("handed-out tokens cannot change the handler's state", () => {
  it("a caller mutating what getToken() returned changes nothing for later callers", async () => {
    const handler = handlerWith(credentialFrom((n) => issued(n, 3600)));
    const token = await handler.getToken();
    expect(() => {
      (token as { token: string }).token = "evil\r\nX-Injected: 1";
    }).toThrow(TypeError);
    expect(() => {
      (token as { expiresOn: number }).expiresOn = 0;
    }).toThrow(TypeError);
    expect((await handler.getToken()).token).toBe(tokenString(1));
    expect(await handler.getAuthHeaders()).toEqual({ Authorization: `Bearer ${tokenString(1)}` });
  });
});

describe("shared-cache keys", () => {
  for (const [label, key] of [
    ["undefined", undefined],
    ["an empty string", ""],
  ] as const) {
    it(`a cacheKey() returning ${label} is a ConfigurationError naming the credential`, async () => {
      class BrokenCredential implements TokenCredential {
        getToken() {
          return issued(1, 3600);
        }
        cacheKey() {
          return key as unknown as string;
        }
      }
      const handler = handlerWith(new BrokenCredential(), { cache: createMemoryTokenCache() });
      const error = await handler.getToken().catch((caught: unknown) => caught);
      expect(ConfigurationError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain("BrokenCredential");
    });
  }

  it("identity and scope are encoded unambiguously: two identities never share a token", async () => {
    const cache = createMemoryTokenCache();
    // With `key + "\0" + scope`, ("a\0b", "c") and ("a", "b\0c") named the same entry.
    const first = handlerWith(
      credentialFrom(() => issued(1, 3600)),
      {
        cache,
        cacheKey: "a\u0000b",
        scope: "c",
      },
    );
    const second = handlerWith(
      credentialFrom(() => issued(2, 3600)),
      {
        cache,
        cacheKey: "a",
        scope: "b\u0000c",
      },
    );
    expect((await first.getToken()).token).toBe(tokenString(1));
    expect((await second.getToken()).token).toBe(tokenString(2));
  });
});

describe("a third-party credential's own error text", () => {
  it("is bounded and redacted in the TokenAcquisitionError that wraps it", async () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWc";
    const handler = handlerWith(
      credentialFrom(() => {
        throw new Error(`provider said: bad assertion ${jwt} ${"x".repeat(5_000)}`);
      }),
      { retry: { attempts: 1 } },
    );
    const error = await handler.getToken().catch((caught: unknown) => caught);
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect((error as Error).message).not.toContain(jwt);
    expect((error as Error).message.length).toBeLessThan(700);
  });
});
