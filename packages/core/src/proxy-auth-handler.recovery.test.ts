import { beforeEach, describe, expect, it } from "vitest";
import { flush, TestClock, TestTimers, tokenString } from "../test/fixtures.js";
import type { AccessToken } from "./access-token.js";
import { TokenAcquisitionError } from "./errors.js";
import { ProxyAuthHandler } from "./proxy-auth-handler.js";
import { createMemoryTokenCache, type TokenCache } from "./token-cache.js";
import type { TokenCredential } from "./token-credential.js";

// Rule 7: with no usable token, the provider is probed about once a second, so callers have a
// token within about 2 s of its return, while it sees at most 1.5 calls a second in its outage.

let clock: TestClock;

beforeEach(() => {
  clock = new TestClock();
});

/** A provider that answers 503 between `down` and `up` (clock ms) and records its calls' times. */
function provider(outage: { down: number; up: number }, lifetimeSeconds = 3600) {
  const calls: number[] = [];
  const credential: TokenCredential = {
    async getToken() {
      calls.push(clock.time);
      if (clock.time >= outage.down && clock.time < outage.up) {
        throw new TokenAcquisitionError("provider answered 503", { status: 503, retryable: true });
      }
      return { token: tokenString(calls.length), expiresOn: clock.seconds + lifetimeSeconds };
    },
  };
  const during = () => calls.filter((time) => time >= outage.down && time < outage.up).length;
  return { credential, calls, during };
}

function handler(credential: TokenCredential, cache?: TokenCache, random = Math.random) {
  return new ProxyAuthHandler({
    credential,
    scope: "s",
    now: clock.now,
    logger: { warn: () => {} },
    ...(cache === undefined ? {} : { cache, cacheKey: "fleet-key" }),
    _internal: {
      random,
      // Waiting moves the injected clock instead of real time.
      sleep: async (milliseconds) => {
        await flush(1);
        clock.time += milliseconds;
      },
    },
  });
}

/**
 * Callers ask every 100 ms (of the injected clock) from `from` to `until`, one per handler in
 * turn; resolves the clock time the first caller had a token at or after `after`.
 */
async function callersUntil(
  handlers: ProxyAuthHandler[],
  from: number,
  until: number,
  after: number,
): Promise<number | undefined> {
  let firstToken: number | undefined;
  for (let tick = from; tick < until; tick += 100) {
    clock.time = Math.max(clock.time, tick);
    for (const each of handlers) {
      const headers = await each.getAuthHeaders();
      if (headers.Authorization !== undefined && clock.time >= after) firstToken ??= clock.time;
    }
    if (firstToken !== undefined) return firstToken;
  }
  return firstToken;
}

const randoms = () => {
  // A fixed sequence (a linear congruential generator): the same jitter on every run.
  let state = 7;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
};

describe("rule 7: back within 2 s of an outage, without pressure during it", () => {
  it("a cold start into a 2-minute outage: a token within 2 s of the return, at most 1.5 calls a second", async () => {
    const start = clock.time;
    const outage = { down: start, up: start + 120_000 };
    const idp = provider(outage);
    const cold = handler(idp.credential, undefined, randoms());
    const firstToken = await callersUntil([cold], start, outage.up + 10_000, outage.up);
    expect(firstToken).toBeDefined();
    expect((firstToken as number) - outage.up).toBeLessThanOrEqual(2_000);
    expect(idp.during() / 120).toBeLessThanOrEqual(1.5);
    // Not idle either: the provider is probed all through the outage.
    expect(idp.during() / 120).toBeGreaterThanOrEqual(0.5);
  });

  it("a cached token expiring inside a 10-minute outage: a token within 2 s of the return, at most 1.5 calls a second", async () => {
    const start = clock.time;
    const outage = { down: start + 10_000, up: start + 610_000 };
    // Tokens live 5 minutes: the one fetched before the outage expires in its middle.
    const idp = provider(outage, 300);
    const served = handler(idp.credential, undefined, randoms());
    expect((await served.getToken()).token).toBe(tokenString(1));
    const firstToken = await callersUntil([served], start, outage.up + 10_000, outage.up);
    expect(firstToken).toBeDefined();
    expect((firstToken as number) - outage.up).toBeLessThanOrEqual(2_000);
    expect(idp.during() / 600).toBeLessThanOrEqual(1.5);
    // While the old token was still served, background refreshes kept their long backoff.
    const whileServed = idp.calls.filter((time) => time >= outage.down && time < start + 295_000);
    expect(whileServed.length).toBeLessThanOrEqual(20);
  });

  it("three handlers sharing one cache: one probe for all of them, at most 1.5 calls a second together", async () => {
    const start = clock.time;
    const outage = { down: start, up: start + 120_000 };
    const idp = provider(outage);
    const cache = createMemoryTokenCache(clock.now);
    const random = randoms();
    const fleet = [1, 2, 3].map(() => handler(idp.credential, cache, random));
    const firstToken = await callersUntil(fleet, start, outage.up + 10_000, outage.up);
    expect(firstToken).toBeDefined();
    expect((firstToken as number) - outage.up).toBeLessThanOrEqual(2_000);
    expect(idp.during() / 120).toBeLessThanOrEqual(1.5);
    // The token one of them got is the fleet's: the others take it from the cache.
    const tokens = await Promise.all(fleet.map((each) => each.getToken()));
    expect(new Set(tokens.map((token: AccessToken) => token.token)).size).toBe(1);
  });

  it("a provider's Retry-After is still honoured while callers wait", async () => {
    const start = clock.time;
    const calls: number[] = [];
    const credential: TokenCredential = {
      async getToken() {
        calls.push(clock.time);
        throw new TokenAcquisitionError("slow down", {
          status: 429,
          retryable: true,
          retryAfterSeconds: 10,
        });
      },
    };
    const limited = handler(credential, undefined, randoms());
    await callersUntil([limited], start, start + 60_000, Number.POSITIVE_INFINITY);
    const gaps = calls.slice(1).map((time, index) => time - (calls[index] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(10_000);
  });
});

describe("rule 17: one bound, one clock", () => {
  it("maxTokenWaitMs and the credential's timeout both run on the injected timers", async () => {
    const timers = new TestTimers(clock);
    let signal: AbortSignal | undefined;
    const credential: TokenCredential = {
      getToken: (_scope, options) => {
        signal = options?.signal;
        return new Promise(() => {});
      },
    };
    const waiting = new ProxyAuthHandler({
      credential,
      scope: "s",
      now: clock.now,
      logger: { warn: () => {} },
      onTokenError: "throw",
      maxTokenWaitMs: 3_000,
      _internal: { timers },
    });
    const result = waiting.getToken().catch((caught: unknown) => caught);
    await flush();
    timers.advance(2_999);
    await flush();
    expect(signal?.aborted).toBe(false);
    timers.advance(1);
    const error = await result;
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("maxTokenWaitMs");
    // The credential call was cut to the same bound, on the same clock.
    await flush();
    expect(signal?.aborted).toBe(true);
  });

  it("the backoff between blocking retries waits on the injected timers too", async () => {
    const timers = new TestTimers(clock);
    let calls = 0;
    const credential: TokenCredential = {
      async getToken() {
        calls += 1;
        if (calls === 1) {
          throw new TokenAcquisitionError("provider answered 503", {
            status: 503,
            retryable: true,
          });
        }
        return { token: tokenString(calls), expiresOn: clock.seconds + 3600 };
      },
    };
    const retrying = new ProxyAuthHandler({
      credential,
      scope: "s",
      now: clock.now,
      logger: { warn: () => {} },
      _internal: { timers, random: () => 0.5 },
    });
    let token: string | undefined;
    const result = retrying.getToken().then((answer) => (token = answer.token));
    await flush();
    expect(calls).toBe(1);
    await flush();
    expect(token).toBeUndefined(); // pausing: nothing moves until the injected clock does
    timers.advance(2_000); // past any blocking backoff step
    await flush();
    expect(calls).toBe(2); // no real time passed: the pause ran on the injected timers
    await result;
    expect(token).toBe(tokenString(2));
  });
});
