import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ControlledCredential,
  credentialFrom,
  flush,
  recordingLogger,
  TestClock,
  tokenString,
} from "../test/fixtures.js";
import type { AccessToken } from "./access-token.js";
import { InvalidTokenError, TokenAcquisitionError } from "./errors.js";
import { ProxyAuthHandler } from "./proxy-auth-handler.js";
import type { ProxyAuthHandlerOptions } from "./proxy-auth-handler-options.js";
import type { TokenCredential } from "./token-credential.js";

let clock: TestClock;
let logger: ReturnType<typeof recordingLogger>;
let sleeps: number[];

beforeEach(() => {
  clock = new TestClock();
  logger = recordingLogger();
  sleeps = [];
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
    ...options,
    _internal: {
      random: () => 0.5,
      // Waiting moves the injected clock instead of real time.
      sleep: async (milliseconds) => {
        sleeps.push(milliseconds);
        clock.time += milliseconds;
      },
      ...options._internal,
    },
  });
}

/** A token issued now that lives `lifetimeSeconds`. */
function issued(n: number, lifetimeSeconds: number, extra: Partial<AccessToken> = {}): AccessToken {
  return { token: tokenString(n), expiresOn: clock.seconds + lifetimeSeconds, ...extra };
}

const transient = (retryAfterSeconds?: number) =>
  new TokenAcquisitionError("provider answered 503", {
    status: 503,
    retryable: true,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });

describe("rule 1: a fresh token is served from the cache", () => {
  it("calls the credential once and then answers from memory with a new headers object each time", async () => {
    const credential = credentialFrom((n) => issued(n, 3600));
    const handler = handlerWith(credential);
    const first = await handler.getAuthHeaders();
    clock.advance(3000);
    const second = await handler.getAuthHeaders();
    expect(first).toEqual({ Authorization: `Bearer ${tokenString(1)}` });
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(credential.calls).toBe(1);
    expect((await handler.getToken()).token).toBe(tokenString(1));
  });

  it("passes the handler's scope to the credential", async () => {
    const scopes: string[] = [];
    const handler = handlerWith(
      credentialFrom((n, scope) => {
        scopes.push(scope);
        return issued(n, 3600);
      }),
    );
    await handler.getToken();
    expect(scopes).toEqual(["api://proxy/.default"]);
  });
});

describe("rule 2: the refresh buffer is min(refreshBufferSeconds, half the lifetime)", () => {
  it("refreshes an hour-long token 60 s before expiry by default", async () => {
    const credential = credentialFrom((n) => issued(n, 3600));
    const handler = handlerWith(credential);
    await handler.getToken();
    clock.advance(3539);
    await handler.getToken();
    expect(credential.calls).toBe(1);
    clock.advance(2);
    await handler.getToken();
    await flush();
    expect(credential.calls).toBe(2);
  });

  it("refreshes a 60 s token after 30 s, not on every call", async () => {
    const credential = credentialFrom((n) => issued(n, 60));
    const handler = handlerWith(credential);
    await handler.getToken();
    for (let i = 0; i < 29; i++) {
      clock.advance(1);
      await handler.getAuthHeaders();
    }
    expect(credential.calls).toBe(1);
    clock.advance(1.5);
    await handler.getAuthHeaders();
    await flush();
    expect(credential.calls).toBe(2);
  });

  it("honours a custom refreshBufferSeconds", async () => {
    const credential = credentialFrom((n) => issued(n, 3600));
    const handler = handlerWith(credential, { refreshBufferSeconds: 600 });
    await handler.getToken();
    clock.advance(2999);
    await handler.getToken();
    expect(credential.calls).toBe(1);
    clock.advance(2);
    await handler.getToken();
    await flush();
    expect(credential.calls).toBe(2);
  });
});

describe("rule 3: inside the buffer the cached token is served while one background refresh runs", () => {
  it("answers at once with the old token and starts exactly one refresh", async () => {
    const credential = new ControlledCredential();
    const handler = handlerWith(credential);
    const cold = handler.getToken();
    credential.answer(issued(1, 3600));
    await cold;
    clock.advance(3550);
    const during = await Promise.all(Array.from({ length: 50 }, () => handler.getAuthHeaders()));
    expect(during.every((headers) => headers.Authorization === `Bearer ${tokenString(1)}`)).toBe(
      true,
    );
    expect(credential.calls).toBe(2);
    credential.answer(issued(2, 3600));
    await flush();
    expect(await handler.getAuthHeaders()).toEqual({ Authorization: `Bearer ${tokenString(2)}` });
    expect(credential.calls).toBe(2);
  });

  it("starts the background refresh after the provider's refreshAfter hint", async () => {
    const credential = credentialFrom((n) =>
      issued(n, 3600, { refreshAfter: clock.seconds + 1800 }),
    );
    const handler = handlerWith(credential);
    await handler.getToken();
    clock.advance(1799);
    await handler.getToken();
    expect(credential.calls).toBe(1);
    clock.advance(2);
    expect((await handler.getToken()).token).toBe(tokenString(1));
    await flush();
    expect(credential.calls).toBe(2);
    expect((await handler.getToken()).token).toBe(tokenString(2));
  });
});

describe("rule 4: callers wait only when no usable token exists", () => {
  it("makes cold callers wait for the first token", async () => {
    const credential = new ControlledCredential();
    const handler = handlerWith(credential);
    let settled = false;
    const waiting = handler.getAuthHeaders().then((headers) => {
      settled = true;
      return headers;
    });
    await flush();
    expect(settled).toBe(false);
    credential.answer(issued(1, 3600));
    expect(await waiting).toEqual({ Authorization: `Bearer ${tokenString(1)}` });
  });

  it("does not serve a token with less than the expiry margin left", async () => {
    const credential = new ControlledCredential();
    const handler = handlerWith(credential);
    const cold = handler.getToken();
    credential.answer(issued(1, 3600));
    await cold;
    clock.advance(3596); // 4 s left: inside the 5 s margin
    const waiting = handler.getToken();
    await flush();
    expect(credential.calls).toBe(2);
    credential.answer(issued(2, 3600));
    expect((await waiting).token).toBe(tokenString(2));
  });

  it("waits when the clock jumped past expiry", async () => {
    const credential = credentialFrom((n) => issued(n, 3600));
    const handler = handlerWith(credential);
    await handler.getToken();
    clock.advance(7200);
    expect((await handler.getToken()).token).toBe(tokenString(2));
  });
});

describe("rule 5: single flight", () => {
  it("turns 10,000 concurrent cold calls into one credential call", async () => {
    const credential = new ControlledCredential();
    const handler = handlerWith(credential);
    const all = Array.from({ length: 10_000 }, () => handler.getAuthHeaders());
    await flush();
    expect(credential.calls).toBe(1);
    credential.answer(issued(1, 3600));
    const headers = await Promise.all(all);
    expect(new Set(headers.map((h) => h.Authorization))).toEqual(
      new Set([`Bearer ${tokenString(1)}`]),
    );
    expect(credential.calls).toBe(1);
  });

  it("shares one failure among all waiters", async () => {
    const credential = new ControlledCredential();
    const handler = handlerWith(credential, { onTokenError: "throw" });
    const all = Array.from({ length: 100 }, () =>
      handler.getToken().catch((error: unknown) => error),
    );
    await flush();
    const error = new TokenAcquisitionError("invalid_client", {
      status: 401,
      oauthError: "invalid_client",
    });
    credential.fail(error);
    const results = await Promise.all(all);
    expect(results.every((result) => result === error)).toBe(true);
    expect(credential.calls).toBe(1);
  });
});

describe("rule 6: failures while a valid token exists", () => {
  it("keeps serving the token, backs off, honours Retry-After and warns once", async () => {
    let fail = true;
    const credential = credentialFrom((n) => {
      if (n > 1 && fail) throw transient(30);
      return issued(n, 3600);
    });
    const handler = handlerWith(credential);
    await handler.getToken();
    clock.advance(3550); // inside the buffer
    expect((await handler.getToken()).token).toBe(tokenString(1));
    await flush();
    expect(credential.calls).toBe(2); // the background refresh failed
    for (let i = 0; i < 29; i++) {
      clock.advance(0.1);
      expect((await handler.getToken()).token).toBe(tokenString(1));
    }
    await flush();
    expect(credential.calls).toBe(2); // Retry-After: 30 s not yet over
    clock.advance(30);
    await handler.getToken();
    await flush();
    expect(credential.calls).toBe(3);
    expect(logger.lines.filter((line) => line.level === "warn")).toHaveLength(1);
    fail = false;
    clock.advance(60);
    // The token has 3550 + 0.1*29 + 30 + 60 = 3642.9 s behind it: past expiry, so callers wait.
    expect((await handler.getToken()).token).toBe(tokenString(4));
  });

  it("spaces background attempts with exponential backoff and full jitter", async () => {
    const credential = credentialFrom((n) => {
      if (n > 1) throw transient();
      return issued(n, 3600);
    });
    const handler = handlerWith(credential, {
      refreshBufferSeconds: 600,
      _internal: { random: () => 0.999 },
      retry: { baseDelayMs: 1000, maxDelayMs: 8000 },
    });
    await handler.getToken();
    clock.advance(3000);
    const attemptsAt: number[] = [];
    let last = credential.calls;
    for (let elapsed = 0; elapsed < 40_000; elapsed += 100) {
      await handler.getToken();
      await flush(1);
      if (credential.calls !== last) {
        attemptsAt.push(elapsed);
        last = credential.calls;
      }
      clock.time += 100;
    }
    const gaps = attemptsAt.slice(1).map((at, i) => at - (attemptsAt[i] as number));
    // Steps of 1, 2, 4, 8, 8 s scaled by the jitter (0.999), rounded up to the 100 ms polling.
    expect(gaps.slice(0, 5)).toEqual([1000, 2000, 4000, 8000, 8000]);
  });

  it("draws the delay below the exponential step (full jitter)", async () => {
    const credential = credentialFrom((n) => {
      if (n > 1) throw transient();
      return issued(n, 3600);
    });
    const handler = handlerWith(credential, {
      _internal: { random: () => 0.25 },
      retry: { baseDelayMs: 8000 },
    });
    await handler.getToken();
    clock.advance(3550);
    await handler.getToken();
    await flush();
    expect(credential.calls).toBe(2);
    clock.advance(1.9);
    await handler.getToken();
    await flush();
    expect(credential.calls).toBe(2);
    clock.advance(0.2); // 2.1 s > 0.25 × 8 s
    await handler.getToken();
    await flush();
    expect(credential.calls).toBe(3);
  });
});

describe("rule 7: failures with no usable token", () => {
  it("retries transient failures a bounded number of times, then fails every waiter with one error", async () => {
    const credential = credentialFrom(() => {
      throw transient();
    });
    const handler = handlerWith(credential, { onTokenError: "throw" });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => handler.getToken().catch((error: unknown) => error)),
    );
    expect(credential.calls).toBe(3);
    expect(sleeps).toHaveLength(2);
    const first = results[0];
    expect(TokenAcquisitionError.isInstance(first)).toBe(true);
    expect(results.every((result) => result === first)).toBe(true);
  });

  it("recovers within the retries when the provider comes back", async () => {
    const credential = credentialFrom((n) => {
      if (n < 3) throw transient();
      return issued(n, 3600);
    });
    const handler = handlerWith(credential);
    expect(await handler.getAuthHeaders()).toEqual({ Authorization: `Bearer ${tokenString(3)}` });
    expect(logger.lines.filter((line) => line.level === "warn")).toHaveLength(0);
  });

  it("does not retry a non-retryable error", async () => {
    const credential = credentialFrom(() => {
      throw new TokenAcquisitionError("invalid_client", {
        status: 401,
        oauthError: "invalid_client",
      });
    });
    const handler = handlerWith(credential, { onTokenError: "throw" });
    await expect(handler.getToken()).rejects.toMatchObject({ oauthError: "invalid_client" });
    expect(credential.calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it("does not block callers for a Retry-After longer than maxBlockingDelayMs", async () => {
    const credential = credentialFrom(() => {
      throw transient(120);
    });
    const handler = handlerWith(credential, { onTokenError: "throw" });
    await expect(handler.getToken()).rejects.toMatchObject({ retryAfterSeconds: 120 });
    expect(credential.calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it("fails new callers at once during the backoff window, then tries again", async () => {
    const credential = credentialFrom((n) => {
      if (n === 1) throw transient(10);
      return issued(n, 3600);
    });
    const handler = handlerWith(credential, { onTokenError: "throw" });
    const error = await handler.getToken().catch((caught: unknown) => caught);
    for (let i = 0; i < 9; i++) {
      clock.advance(1);
      await expect(handler.getToken()).rejects.toBe(error);
    }
    expect(credential.calls).toBe(1);
    clock.advance(1);
    expect((await handler.getToken()).token).toBe(tokenString(2));
  });

  it("wraps whatever a custom credential throws in a TokenAcquisitionError with the original as cause", async () => {
    const original = new RangeError("backend exploded");
    const handler = handlerWith(
      credentialFrom(() => {
        throw original;
      }),
      { onTokenError: "throw" },
    );
    const error = await handler.getToken().catch((caught: unknown) => caught);
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toBe(original);
    expect((error as Error).message).toContain("backend exploded");
  });

  it("times out a credential that never answers, as a retryable failure", async () => {
    const credential = new ControlledCredential();
    const handler = handlerWith(credential, {
      onTokenError: "throw",
      credentialTimeoutMs: 20,
      retry: { attempts: 1 },
    });
    const error = await handler.getToken().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "TOKEN_ACQUISITION_FAILED", retryable: true });
    expect(credential.pending[0]?.options?.signal?.aborted).toBe(true);
  });
});

describe("rule 8: no unhandled rejection", () => {
  const seen: unknown[] = [];
  const onUnhandled = (reason: unknown) => seen.push(reason);
  beforeEach(() => {
    seen.length = 0;
    process.on("unhandledRejection", onUnhandled);
  });
  afterEach(() => {
    process.off("unhandledRejection", onUnhandled);
  });

  it("swallows nothing and leaks nothing when a background refresh fails", async () => {
    const credential = credentialFrom((n) => {
      if (n > 1) return Promise.reject(transient());
      return issued(n, 3600);
    });
    const handler = handlerWith(credential);
    await handler.getToken();
    clock.advance(3550);
    await handler.getAuthHeaders();
    await flush(20);
    expect(credential.calls).toBe(2);
    expect(seen).toEqual([]);
    expect(logger.lines.some((line) => line.level === "warn")).toBe(true);
  });

  it("leaks nothing when every cold caller gives up via abort", async () => {
    const credential = new ControlledCredential();
    const handler = handlerWith(credential);
    const controller = new AbortController();
    const waiting = handler
      .getToken({ signal: controller.signal })
      .catch((error: unknown) => error);
    controller.abort(new Error("caller gave up"));
    expect(((await waiting) as Error).message).toBe("caller gave up");
    credential.fail(transient());
    await flush(20);
    expect(seen).toEqual([]);
  });
});

describe("rule 9: invalidate(token)", () => {
  it("drops the cached token only when it is still the given one", async () => {
    const credential = credentialFrom((n) => issued(n, 3600));
    const handler = handlerWith(credential);
    await handler.getToken();
    handler.invalidate("some-other-token");
    expect((await handler.getToken()).token).toBe(tokenString(1));
    handler.invalidate(tokenString(1));
    expect((await handler.getToken()).token).toBe(tokenString(2));
    handler.invalidate();
    expect((await handler.getToken()).token).toBe(tokenString(3));
  });

  it("costs one new grant for a burst of 401s on the same token", async () => {
    const credential = credentialFrom((n) => issued(n, 3600));
    const handler = handlerWith(credential);
    const stale = (await handler.getToken()).token;
    const replays = Array.from({ length: 100 }, async () => {
      handler.invalidate(stale);
      return handler.getAuthHeaders();
    });
    const headers = await Promise.all(replays);
    expect(credential.calls).toBe(2);
    expect(headers.every((h) => h.Authorization === `Bearer ${tokenString(2)}`)).toBe(true);
  });

  it("does not let a refresh begun before the invalidation satisfy callers after it", async () => {
    const credential = new ControlledCredential();
    const handler = handlerWith(credential);
    const before = handler.getToken();
    await flush();
    handler.invalidate();
    const after = handler.getToken();
    await flush();
    expect(credential.calls).toBe(1); // still one call at a time
    credential.answer(issued(1, 3600));
    expect((await before).token).toBe(tokenString(1));
    await flush();
    expect(credential.calls).toBe(2);
    credential.answer(issued(2, 3600));
    expect((await after).token).toBe(tokenString(2));
    expect((await handler.getToken()).token).toBe(tokenString(2));
  });
});

describe("rule 10: what credentials return is validated", () => {
  const cases: [string, (now: number) => unknown, RegExp][] = [
    ["an empty token", (now) => ({ token: "", expiresOn: now + 60 }), /without a token/],
    ["a token with a space", (now) => ({ token: "a b", expiresOn: now + 60 }), /whitespace/],
    [
      "a token with a newline",
      (now) => ({ token: "a\r\nX-Evil: 1", expiresOn: now + 60 }),
      /control/,
    ],
    ["a non-ASCII token", (now) => ({ token: "tökén", expiresOn: now + 60 }), /non-ASCII/],
    [
      "expiresOn in milliseconds",
      (now) => ({ token: "abc", expiresOn: (now + 60) * 1000 }),
      /milliseconds/,
    ],
    ["an expired token", (now) => ({ token: "abc", expiresOn: now - 1 }), /already expired/],
    ["a NaN expiry", () => ({ token: "abc", expiresOn: Number.NaN }), /finite number/],
    ["a string expiry", (now) => ({ token: "abc", expiresOn: String(now + 60) }), /finite number/],
    ["null", () => null, /null instead of an AccessToken/],
  ];
  it.each(cases)("rejects %s as InvalidTokenError", async (_, make, message) => {
    const handler = handlerWith(
      credentialFrom(() => make(clock.seconds) as AccessToken),
      { onTokenError: "throw" },
    );
    const error = await handler.getToken().catch((caught: unknown) => caught);
    expect(InvalidTokenError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("X-Evil");
  });
});

describe("rule 11: tokens never reach logs, errors, JSON or inspect", () => {
  it("keeps the token out of every captured line and of the handler's representations", async () => {
    let fail = false;
    const credential = credentialFrom((n) => {
      if (fail) throw transient();
      return issued(n, 3600);
    });
    const handler = handlerWith(credential);
    await handler.getToken();
    clock.advance(3550);
    fail = true;
    await handler.getAuthHeaders();
    await flush();
    clock.advance(100);
    const error = await new ProxyAuthHandler({
      credential,
      scope: "s",
      onTokenError: "throw",
      logger,
      now: clock.now,
      _internal: { sleep: async () => {} },
    })
      .getToken()
      .catch((caught: unknown) => caught);
    const everything = [
      JSON.stringify(logger.lines),
      inspect(handler, { depth: 10, showHidden: true }),
      JSON.stringify(handler),
      inspect(error, { depth: 10 }),
      String(error),
    ].join("\n");
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(everything).not.toContain("tok-SECRET");
  });
});

describe("expiryMarginSeconds", () => {
  it("a token with less time left than the margin is no longer served; within it, it is", async () => {
    const down = new TokenAcquisitionError("provider down", { retryable: false });
    const served = async (margin: number | undefined) => {
      const credential = credentialFrom((n) => {
        if (n > 1) throw down;
        return issued(n, 3600);
      });
      const handler = handlerWith(credential, {
        ...(margin === undefined ? {} : { expiryMarginSeconds: margin }),
      });
      await handler.getToken();
      clock.advance(3600 - 19); // 19 s left, the provider down
      return handler.getToken().then(
        () => true,
        () => false,
      );
    };
    // Default 5 s: 19 s left is enough to send the token.
    expect(await served(undefined)).toBe(true);
    // 20 s: a token that could expire on the way (or by a proxy clock 20 s ahead) is not sent.
    expect(await served(20)).toBe(false);
  });
});

describe("rule 12: onTokenError", () => {
  it('"warn" resolves {} and warns once per failure episode', async () => {
    let fail = true;
    const credential = credentialFrom((n) => {
      if (fail) throw new TokenAcquisitionError("invalid_client", { status: 401 });
      return issued(n, 60);
    });
    const handler = handlerWith(credential, { retry: { baseDelayMs: 1000, maxDelayMs: 1000 } });
    for (let i = 0; i < 10; i++) {
      expect(await handler.getAuthHeaders()).toEqual({});
      clock.advance(2);
    }
    const warnings = () => logger.lines.filter((line) => line.level === "warn");
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.message).toContain("without an Authorization header");
    fail = false;
    expect(Object.keys(await handler.getAuthHeaders())).toEqual(["Authorization"]);
    fail = true;
    clock.advance(3600);
    expect(await handler.getAuthHeaders()).toEqual({});
    expect(warnings()).toHaveLength(2);
  });

  it("the warning's next attempt is the delay its retryInMs says (57 ms, not 1 s)", async () => {
    const failing = credentialFrom(() => {
      throw new TokenAcquisitionError("invalid_client", { status: 401 });
    });
    // random 0.5 of a 114 ms step: 57 ms.
    await handlerWith(failing, { retry: { baseDelayMs: 114 } }).getAuthHeaders();
    const [warning] = logger.lines.filter((line) => line.level === "warn");
    expect(warning?.meta?.retryInMs).toBe(57);
    expect(warning?.message).toContain("next attempt in 57 ms or later");
    const slower = handlerWith(failing, { retry: { baseDelayMs: 3000 } });
    logger.lines.length = 0;
    await slower.getAuthHeaders();
    expect(logger.lines.find((line) => line.level === "warn")?.message).toContain(
      "next attempt in 1.5 s or later",
    );
  });

  it('"throw" rejects with the typed error', async () => {
    const handler = handlerWith(
      credentialFrom(() => {
        throw new TokenAcquisitionError("invalid_client", { status: 401 });
      }),
      { onTokenError: "throw" },
    );
    await expect(handler.getAuthHeaders()).rejects.toMatchObject({
      code: "TOKEN_ACQUISITION_FAILED",
      status: 401,
    });
  });

  it("rejects an aborted call even in warn mode", async () => {
    const handler = handlerWith(new ControlledCredential());
    const reason = new Error("stop");
    await expect(handler.getAuthHeaders({ signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
  });
});

describe("abort", () => {
  it("lets one caller stop waiting while the shared request goes on for the others", async () => {
    const credential = new ControlledCredential();
    const handler = handlerWith(credential);
    const controller = new AbortController();
    const impatient = handler.getToken({ signal: controller.signal });
    const patient = handler.getToken();
    controller.abort(new Error("timeout"));
    await expect(impatient).rejects.toThrow("timeout");
    credential.answer(issued(1, 3600));
    expect((await patient).token).toBe(tokenString(1));
    expect(credential.calls).toBe(1);
  });
});

describe("rule 11: log events carry scope, expiry and timings", () => {
  it("says when a fetched token expires and when its refresh is due, never the token", async () => {
    const handler = handlerWith(credentialFrom((n) => issued(n, 600)));
    await handler.getToken();
    const line = logger.lines.find((entry) => entry.message === "Token fetched");
    expect(line?.meta).toEqual({
      scope: "api://proxy/.default",
      expiresOn: clock.seconds + 600,
      // The default buffer: 60 s before expiry.
      refreshAt: clock.seconds + 540,
      durationMs: 0,
    });
    expect(JSON.stringify(logger.lines)).not.toContain(tokenString(1));
  });
});
