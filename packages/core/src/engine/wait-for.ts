import { TokenAcquisitionError } from "../errors.js";
import { withTimeout } from "../with-timeout.js";

/**
 * Waits for the shared flight, at most `maxWaitMs` (the flight goes on for others), and lets
 * this caller stop waiting when its signal aborts.
 */
export function waitFor<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  maxWaitMs: number,
  scope: string,
): Promise<T> {
  const bounded = withTimeout(
    promise,
    maxWaitMs,
    () =>
      new TokenAcquisitionError(
        `No token for scope "${scope}" within ${maxWaitMs} ms (maxTokenWaitMs); the identity provider or the token cache is too slow.`,
        { retryable: true },
      ),
  );
  if (signal === undefined) return bounded;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    bounded.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
