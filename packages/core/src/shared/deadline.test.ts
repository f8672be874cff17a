import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { TestClock, TestTimers } from "../../test/fixtures.js";
import { Deadline } from "./deadline.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

describe("Deadline", () => {
  it("follows the caller's signal, and stops following it when the request ends", () => {
    const caller = new AbortController();
    const ended = new Deadline(60_000, caller.signal);
    ended.clear();
    const running = new Deadline(60_000, caller.signal);
    caller.abort(new Error("user cancelled"));
    expect(running.signal.aborted).toBe(true);
    expect(running.signal.reason).toEqual(new Error("user cancelled"));
    expect(running.timedOut).toBe(false);
    expect(ended.signal.aborted).toBe(false);
    running.clear();
  });

  it("starts aborted under an aborted caller signal", () => {
    const deadline = new Deadline(60_000, AbortSignal.abort(new Error("too late")));
    expect(deadline.signal.reason).toEqual(new Error("too late"));
  });

  // nodejs/node#55351: AbortSignal.any keeps each combined signal as long as the caller's.
  it("a long-lived caller signal used by 300,000 calls does not grow the heap", async () => {
    const caller = new AbortController();
    const call = () => new Deadline(60_000, caller.signal).clear();
    for (let i = 0; i < 10_000; i++) call(); // warm up
    // Real time: the garbage collector frees aborted signals only across real macrotasks; fake
    // timers cannot stand in for it.
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 300_000; i++) call();
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // AbortSignal.any on Node 20 kept ~65 bytes a call (~20 MB here); allow a quarter of that.
    expect(grown).toBeLessThan(5_000_000);
  });

  it("race: settles like the work, times out on the injected timers, or ends with the caller", async () => {
    const timers = new TestTimers(new TestClock());
    await expect(
      new Deadline(1_000, undefined, timers).race(Promise.resolve(7), () => 0),
    ).resolves.toBe(7);
    expect(timers.pending).toBe(0); // cleared when the work settled
    const never = new Promise<never>(() => {});
    const late = new Deadline(1_000, undefined, timers).race(never, () => new Error("too slow"));
    timers.advance(999);
    let settled = false;
    late.catch(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    timers.advance(1);
    await expect(late).rejects.toThrow("too slow");
    const caller = new AbortController();
    const stopped = new Deadline(1_000, caller.signal, timers).race(never, () => new Error("no"));
    caller.abort(new Error("user cancelled"));
    await expect(stopped).rejects.toThrow("user cancelled");
    expect(timers.pending).toBe(0);
  });
});
