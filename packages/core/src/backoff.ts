/** How the handler spaces out attempts after failures. */
export interface RetryOptions {
  /**
   * Attempts made while callers wait and no usable token exists, for transient failures
   * (network, timeout, 408, 429, 5xx). Default 3 (the first try and two retries).
   */
  attempts?: number;
  /** The first backoff step in milliseconds; each further failure doubles it. Default 250. */
  baseDelayMs?: number;
  /** The largest backoff step in milliseconds. Default 60_000. */
  maxDelayMs?: number;
  /**
   * The longest single wait, in milliseconds, for a retry while callers are blocked. A longer
   * delay (such as a long `Retry-After`) fails the waiting callers at once instead. Default 2_000.
   */
  maxBlockingDelayMs?: number;
  /**
   * The longest `Retry-After`, in seconds, that is honoured; a longer one waits only this long,
   * so one 429 cannot leave the handler without a token for an hour. Non-finite or negative
   * values are ignored. Default 60.
   */
  maxRetryAfterSeconds?: number;
}

/**
 * Exponential backoff with full jitter (a uniformly random delay below the exponential step),
 * never shorter than the provider's `Retry-After` (capped at `maxRetryAfterSeconds`; a
 * non-finite or negative value is ignored).
 *
 * @param failures - Consecutive failures so far, 1 for the first.
 * @param random - A source of numbers in [0, 1).
 * @param retryAfterSeconds - The provider's `Retry-After`, when it sent one.
 * @returns The delay in milliseconds.
 */
export function backoffDelayMs(
  failures: number,
  options: Required<Pick<RetryOptions, "baseDelayMs" | "maxDelayMs" | "maxRetryAfterSeconds">>,
  random: () => number,
  retryAfterSeconds?: number,
): number {
  const step = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (failures - 1));
  const jittered = Math.floor(random() * step);
  return Math.max(jittered, honouredRetryAfterMs(options, retryAfterSeconds));
}

/** The mean pause between two probes of a provider while callers have no usable token. */
export const PROBE_INTERVAL_MS = 1_000;

/**
 * The pause before the next probe of a provider that failed with a transient error while
 * callers have no usable token: about {@link PROBE_INTERVAL_MS} (three quarters to five quarters
 * of it, so handlers that failed together do not probe together), never shorter than the
 * provider's `Retry-After` (capped at `maxRetryAfterSeconds`). Callers then get a token within
 * about two seconds of the provider's return, and the provider sees about one call a second.
 *
 * @param random - A source of numbers in [0, 1).
 * @param retryAfterSeconds - The provider's `Retry-After`, when it sent one.
 * @returns The delay in milliseconds.
 */
export function probeDelayMs(
  options: Required<Pick<RetryOptions, "maxRetryAfterSeconds">>,
  random: () => number,
  retryAfterSeconds?: number,
): number {
  const jittered = Math.floor(PROBE_INTERVAL_MS * (0.75 + random() / 2));
  return Math.max(jittered, honouredRetryAfterMs(options, retryAfterSeconds));
}

/** A provider's `Retry-After` in milliseconds, capped; 0 when absent, non-finite or negative. */
function honouredRetryAfterMs(
  options: Required<Pick<RetryOptions, "maxRetryAfterSeconds">>,
  retryAfterSeconds: number | undefined,
): number {
  return retryAfterSeconds !== undefined &&
    Number.isFinite(retryAfterSeconds) &&
    retryAfterSeconds > 0
    ? Math.min(retryAfterSeconds, options.maxRetryAfterSeconds) * 1000
    : 0;
}
