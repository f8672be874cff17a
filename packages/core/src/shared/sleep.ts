import { keepAliveTimers, type Timers } from "../timers.js";

/**
 * Waits `milliseconds`, unless `signal` aborts first (then rejects with its reason). By default
 * the timer keeps the process alive: a caller awaiting a retry must not see the process exit
 * under it.
 *
 * @param timers - Where the timer comes from (a test's clock). Default the runtime's.
 */
export function sleep(
  milliseconds: number,
  signal?: AbortSignal,
  timers: Timers = keepAliveTimers,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = timers.set(done, milliseconds);
    const onAbort = () => {
      timers.clear(timer);
      reject(signal?.reason);
    };
    function done() {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
