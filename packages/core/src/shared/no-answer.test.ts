import { describe, expect, it } from "vitest";
import { describeNoAnswer } from "./no-answer.js";

describe("describeNoAnswer: one wording of 'no answer' for every package", () => {
  const jwt =
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ2aWN0aW0iLCJleHAiOjk5OTk5OTk5OTl9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

  it("a timeout names the limit, or says 'in time' when there is none of ours", () => {
    const timeout = { kind: "timeout" } as const;
    expect(describeNoAnswer(timeout, "proxy at http://h", 200, undefined)).toEqual({
      message: "The proxy at http://h did not answer within 200 ms.",
      timedOut: true,
    });
    expect(describeNoAnswer(timeout, "target", undefined, undefined).message).toBe(
      "The target did not answer in time.",
    );
  });

  it("the runtime's own timeouts are timeouts too", () => {
    const failure = { kind: "network", code: "UND_ERR_HEADERS_TIMEOUT" } as const;
    expect(describeNoAnswer(failure, "target", undefined, undefined)).toEqual({
      message: "The target did not answer in time (UND_ERR_HEADERS_TIMEOUT).",
      timedOut: true,
    });
  });

  it("a refusal names the system code, else the cause's message, redacted", () => {
    const refused = { kind: "network", code: "ECONNREFUSED" } as const;
    expect(describeNoAnswer(refused, "token endpoint x", 1, undefined).message).toBe(
      "Could not reach the token endpoint x (ECONNREFUSED).",
    );
    const error = new TypeError("fetch failed", { cause: new Error(`bad ${jwt}`) });
    const none = { kind: "network", code: undefined } as const;
    expect(describeNoAnswer(none, "proxy", 1, error)).toEqual({
      message: "Could not reach the proxy (bad [redacted]).",
      timedOut: false,
    });
    expect(describeNoAnswer(none, "proxy", 1, "odd").message).toBe("Could not reach the proxy.");
  });
});
