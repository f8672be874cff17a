import { TokenAcquisitionError } from "../errors.js";
import { Deadline } from "../shared/deadline.js";
import type { Timers } from "../timers.js";

/**
 * Waits for the shared flight, at most `maxWaitMs` (the flight goes on for others), and lets
 * this caller stop waiting when its signal aborts.
 */
export function waitFor<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  maxWaitMs: number,
  scope: string,
  timers: Timers,
): Promise<T> {
  return new Deadline(maxWaitMs, signal, timers).race(
    promise,
    () =>
      new TokenAcquisitionError(
        `No token for scope "${scope}" within ${maxWaitMs} ms (maxTokenWaitMs); the identity provider or the token cache is too slow.`,
        { retryable: true },
      ),
  );
}
