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
import type { ProxyAuthEvent } from "./proxy-auth-event.js";
import { ProxyAuthHandler } from "./proxy-auth-handler.js";
import type { ProxyAuthHandlerOptions } from "./proxy-auth-handler-options.js";
import { createMemoryTokenCache } from "./token-cache.js";
import type { TokenCredential } from "./token-credential.js";

const SCOPE = "api://proxy/.default";
let clock: TestClock;
let logger: ReturnType<typeof recordingLogger>;
let events: ProxyAuthEvent[];

beforeEach(() => {
  clock = new TestClock();
  logger = recordingLogger();
  events = [];
});

function handlerWith(
  credential: TokenCredential,
  options: Partial<ProxyAuthHandlerOptions> = {},
): ProxyAuthHandler {
  return new ProxyAuthHandler({
    credential,
    scope: SCOPE,
    now: clock.now,
    logger,
    _internal: {
      random: () => 0.5,
      sleep: async (milliseconds) => {
        clock.time += milliseconds;
      },
    },
    onEvent: (event) => events.push(event),
    ...options,
  });
}

function issued(n: number, lifetimeSeconds: number): AccessToken {
  return { token: tokenString(n), expiresOn: clock.seconds + lifetimeSeconds };
}

const unavailable = () =>
  new TokenAcquisitionError("provider answered 503", { status: 503, retryable: true });

describe("token events", () => {
  it("a cold start emits one token.acquired with the credential's latency and the expiry; cached calls emit nothing", async () => {
    const credential = new ControlledCredential();
    const handler = handlerWith(credential);
    const cold = handler.getAuthHeaders();
    await flush();
    clock.time += 120; // the identity provider takes 120 ms
    const token = issued(1, 3600);
    credential.answer(token);
    await cold;
    for (let i = 0; i < 10; i++) await handler.getAuthHeaders();
    expect(events).toEqual([
      {
        type: "token.acquired",
        scope: SCOPE,
        source: "credential",
        durationMs: 120,
        expiresOn: token.expiresOn,
        attempt: 1,
      },
    ]);
  });

  it("a failed background refresh while a token is served emits token.failed with servingCached, then the recovery", async () => {
    const credential = new ControlledCredential();
    const handler = handlerWith(credential);
    const cold = handler.getToken();
    await flush();
    credential.answer(issued(1, 3600));
    await cold;
    clock.advance(3550); // inside the refresh buffer
    expect((await handler.getToken()).token).toBe(tokenString(1));
    await flush();
    clock.time += 40;
    credential.fail(unavailable());
    await flush();
    expect(events[1]).toEqual({
      type: "token.failed",
      scope: SCOPE,
      code: "TOKEN_ACQUISITION_FAILED",
      status: 503,
      retryable: true,
      durationMs: 40,
      servingCached: true,
      attempt: 1,
    });
    clock.advance(10); // past the backoff: the next call starts another background refresh
    expect((await handler.getToken()).token).toBe(tokenString(1));
    await flush();
    credential.answer(issued(2, 3600));
    await flush();
    expect(events.map((event) => event.type)).toEqual([
      "token.acquired",
      "token.failed",
      "token.acquired",
    ]);
  });

  it("each blocking attempt is one event: a retried transient failure, then the grant", async () => {
    const handler = handlerWith(
      credentialFrom((n) => {
        if (n === 1) throw unavailable();
        return issued(n, 3600);
      }),
    );
    await handler.getToken();
    expect(events).toMatchObject([
      { type: "token.failed", servingCached: false, retryable: true, attempt: 1, status: 503 },
      { type: "token.acquired", source: "credential", attempt: 2 },
    ]);
  });

  it("an unusable token is token.failed with INVALID_TOKEN and no status", async () => {
    const handler = handlerWith(
      credentialFrom(() => ({ token: "has spaces in it", expiresOn: clock.seconds + 3600 })),
      { onTokenError: "warn" },
    );
    expect(await handler.getAuthHeaders()).toEqual({});
    expect(events).toEqual([
      {
        type: "token.failed",
        scope: SCOPE,
        code: "INVALID_TOKEN",
        retryable: false,
        durationMs: 0,
        servingCached: false,
        attempt: 1,
      },
    ]);
  });

  it("invalidate(token) emits token.invalidated only when it drops the cached token", async () => {
    const handler = handlerWith(credentialFrom((n) => issued(n, 3600)));
    await handler.getToken();
    handler.invalidate(tokenString(99));
    expect(events.map((event) => event.type)).toEqual(["token.acquired"]);
    handler.invalidate(tokenString(1));
    expect(events.at(-1)).toEqual({ type: "token.invalidated", scope: SCOPE });
  });

  it("a token taken from the shared cache is source shared-cache", async () => {
    const cache = createMemoryTokenCache(clock.now);
    const first = handlerWith(
      credentialFrom((n) => issued(n, 3600)),
      {
        cache,
        cacheKey: "team",
      },
    );
    const secondCredential = credentialFrom((n) => issued(100 + n, 3600));
    const second = handlerWith(secondCredential, { cache, cacheKey: "team" });
    await first.getToken();
    expect((await second.getToken()).token).toBe(tokenString(1));
    expect(secondCredential.calls).toBe(0);
    expect(events.map((event) => event.type === "token.acquired" && event.source)).toEqual([
      "credential",
      "shared-cache",
    ]);
  });

  it("events carry no token", async () => {
    const handler = handlerWith(credentialFrom((n) => issued(n, 3600)));
    await handler.getToken();
    handler.invalidate(tokenString(1));
    await handler.getToken();
    expect(events).toHaveLength(3);
    expect(JSON.stringify(events)).not.toContain("SECRET");
  });
});

describe("listeners never break or delay a request", () => {
  it("a throwing listener: the request gets its token, the failure is one warning and then debug lines", async () => {
    const handler = handlerWith(
      credentialFrom((n) => issued(n, 3600)),
      {
        onEvent: () => {
          throw new Error("listener bug");
        },
      },
    );
    expect(await handler.getAuthHeaders()).toEqual({ Authorization: `Bearer ${tokenString(1)}` });
    handler.invalidate(tokenString(1));
    await handler.getToken();
    const failures = logger.lines.filter((line) => line.message.includes("onEvent listener"));
    expect(failures.map((line) => line.level)).toEqual(["warn", "debug", "debug"]);
    expect(failures[0]?.message).toContain("listener bug");
  });

  it("a listener that never settles does not delay the request; one that rejects is logged", async () => {
    const handler = handlerWith(credentialFrom((n) => issued(n, 3600)));
    handler.subscribe(() => new Promise(() => {}));
    handler.subscribe(async () => {
      throw new Error("async listener bug");
    });
    expect((await handler.getToken()).token).toBe(tokenString(1));
    await flush();
    expect(logger.lines.filter((line) => line.level === "warn")).toMatchObject([
      { message: expect.stringContaining("async listener bug") },
    ]);
    expect(events).toHaveLength(1);
  });

  it("a throwing logger behind a throwing listener still does not reach the caller", async () => {
    const handler = handlerWith(
      credentialFrom((n) => issued(n, 3600)),
      {
        onEvent: () => {
          throw new Error("listener bug");
        },
        logger: {
          warn: () => {
            throw new Error("logger bug");
          },
        },
      },
    );
    expect((await handler.getToken()).token).toBe(tokenString(1));
  });

  it("events are frozen, so one listener cannot change what the next one sees", async () => {
    const handler = handlerWith(
      credentialFrom((n) => issued(n, 3600)),
      {
        onEvent: (event) => {
          (event as { scope: string }).scope = "changed";
        },
      },
    );
    handler.subscribe((event) => events.push(event));
    await handler.getToken();
    expect(events[0]?.scope).toBe(SCOPE);
  });
});

describe("subscribe() and emit()", () => {
  it("subscribe adds a listener and its return value removes it", async () => {
    const handler = handlerWith(
      credentialFrom((n) => issued(n, 3600)),
      { onEvent: undefined },
    );
    const stop = handler.subscribe((event) => events.push(event));
    await handler.getToken();
    stop();
    handler.invalidate();
    expect(events.map((event) => event.type)).toEqual(["token.acquired"]);
  });

  it("emit() passes a client's request event to the listeners", () => {
    const handler = handlerWith(credentialFrom((n) => issued(n, 3600)));
    handler.emit({ type: "request.replayed", scope: SCOPE, operation: "chat" });
    expect(events).toEqual([{ type: "request.replayed", scope: SCOPE, operation: "chat" }]);
  });

  it("a listener that is not a function is a ConfigurationError", () => {
    const credential = credentialFrom((n) => issued(n, 3600));
    expect(() => handlerWith(credential, { onEvent: "log" as never })).toThrow(ConfigurationError);
    expect(() => handlerWith(credential).subscribe(42 as never)).toThrow(ConfigurationError);
  });
});
