import { describe, expect, it } from "vitest";
import { TokenAcquisitionError } from "../errors.js";
import { requestFailure } from "./request-failure.js";

describe("requestFailure: why a request threw, one rule for every package", () => {
  const refused = Object.assign(new TypeError("fetch failed"), {
    cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
  });

  it("the caller's abort first, then our typed errors, then the deadline, then the network", () => {
    const reason = new Error("stop");
    const typed = new TokenAcquisitionError("too large", { retryable: false });
    expect(requestFailure(refused, AbortSignal.abort(reason), { timedOut: true })).toEqual({
      kind: "aborted",
      reason,
    });
    expect(requestFailure(typed, undefined, { timedOut: true })).toEqual({
      kind: "typed",
      error: typed,
    });
    expect(requestFailure(refused, undefined, { timedOut: true })).toEqual({ kind: "timeout" });
    expect(requestFailure(refused, undefined, undefined)).toEqual({
      kind: "network",
      code: "ECONNREFUSED",
    });
  });

  it("finds the code inside an AggregateError (a name with several addresses)", () => {
    const both = Object.assign(new TypeError("fetch failed"), {
      cause: new AggregateError([Object.assign(new Error("x"), { code: "ECONNREFUSED" })]),
    });
    expect(requestFailure(both, undefined, undefined)).toEqual({
      kind: "network",
      code: "ECONNREFUSED",
    });
    expect(requestFailure(new TypeError("fetch failed"), undefined, undefined)).toEqual({
      kind: "network",
      code: undefined,
    });
  });
});
