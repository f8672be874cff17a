import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ControlledCredential, flush, TestClock } from "../test/fixtures.js";
import { TokenAcquisitionError } from "./errors.js";
import { ProxyAuthHandler } from "./proxy-auth-handler.js";

type Action =
  | { kind: "call"; count: number }
  | { kind: "advance"; seconds: number }
  | { kind: "answer"; lifetime: number; refreshAfter: number | null }
  | { kind: "answerBad"; variant: number }
  | { kind: "fail"; retryable: boolean; retryAfterSeconds: number | null }
  | { kind: "invalidate"; current: boolean };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("call" as const), count: fc.integer({ min: 1, max: 5 }) }),
  fc.record({
    kind: fc.constant("advance" as const),
    seconds: fc.double({ min: -120, max: 4000, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant("answer" as const),
    lifetime: fc.double({ min: 0.5, max: 7200, noNaN: true }),
    refreshAfter: fc.option(fc.double({ min: 0, max: 7200, noNaN: true })),
  }),
  fc.record({ kind: fc.constant("answerBad" as const), variant: fc.integer({ min: 0, max: 3 }) }),
  fc.record({
    kind: fc.constant("fail" as const),
    retryable: fc.boolean(),
    retryAfterSeconds: fc.option(fc.integer({ min: 0, max: 300 })),
  }),
  fc.record({ kind: fc.constant("invalidate" as const), current: fc.boolean() }),
);

describe("ProxyAuthHandler under random interleavings (fast-check)", () => {
  it("never hands out an expired or unvalidated token, and never more than one call in flight", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 60 }), async (actions) => {
        const clock = new TestClock();
        const credential = new ControlledCredential();
        const valid = new Map<string, number>(); // token → expiresOn (seconds)
        const served: { token: string; at: number }[] = [];
        const unhandled: unknown[] = [];
        const onUnhandled = (reason: unknown) => unhandled.push(reason);
        process.on("unhandledRejection", onUnhandled);
        const handler = new ProxyAuthHandler({
          credential,
          scope: "s",
          now: clock.now,
          logger: { warn: () => {} },
          _internal: { sleep: async () => {} },
        });
        let issued = 0;
        let lastServed: string | undefined;
        try {
          for (const step of actions) {
            switch (step.kind) {
              case "call":
                for (let i = 0; i < step.count; i++) {
                  void handler.getAuthHeaders().then((headers) => {
                    const value = headers.Authorization;
                    if (value !== undefined) {
                      const token = value.slice("Bearer ".length);
                      served.push({ token, at: clock.time });
                      lastServed = token;
                    }
                  });
                }
                break;
              case "advance":
                clock.advance(step.seconds);
                break;
              case "answer":
                if (credential.pending.length > 0) {
                  const token = `t${++issued}`;
                  const expiresOn = clock.seconds + step.lifetime;
                  valid.set(token, expiresOn);
                  credential.answer({
                    token,
                    expiresOn,
                    ...(step.refreshAfter === null
                      ? {}
                      : { refreshAfter: clock.seconds + step.refreshAfter }),
                  });
                }
                break;
              case "answerBad":
                if (credential.pending.length > 0) {
                  const bad = [
                    { token: "bad token", expiresOn: clock.seconds + 60 },
                    { token: "bad-ms", expiresOn: (clock.seconds + 60) * 1000 },
                    { token: "bad-expired", expiresOn: clock.seconds - 1 },
                    { token: "", expiresOn: clock.seconds + 60 },
                  ][step.variant];
                  credential.answer(bad as never);
                }
                break;
              case "fail":
                if (credential.pending.length > 0) {
                  credential.fail(
                    new TokenAcquisitionError("down", {
                      retryable: step.retryable,
                      ...(step.retryAfterSeconds === null
                        ? {}
                        : { retryAfterSeconds: step.retryAfterSeconds }),
                    }),
                  );
                }
                break;
              case "invalidate":
                handler.invalidate(step.current ? lastServed : "not-a-served-token");
                break;
            }
            await flush(3);
            expect(credential.pending.length).toBeLessThanOrEqual(1);
          }
          // Let hanging callers go: fail whatever is still pending.
          while (credential.pending.length > 0) {
            credential.fail(new TokenAcquisitionError("end", { retryable: false }));
            await flush(3);
          }
          for (const { token, at } of served) {
            const expiresOn = valid.get(token);
            expect(
              expiresOn,
              `served a token the credential never validly issued: ${token}`,
            ).toBeDefined();
            expect((expiresOn as number) * 1000).toBeGreaterThan(at);
          }
          expect(unhandled).toEqual([]);
        } finally {
          process.off("unhandledRejection", onUnhandled);
        }
      }),
      { numRuns: 300 },
    );
  });
});
