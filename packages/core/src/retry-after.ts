/**
 * Reads an HTTP `Retry-After` header: delay-seconds or an HTTP-date.
 *
 * @param value - The header value (`null` or `undefined` when absent).
 * @param nowMs - The current time in milliseconds, for HTTP-dates. Default `Date.now()`.
 * @returns The delay in seconds (0 for a date in the past), or `undefined` when absent,
 *   unreadable or too large to be a number (a 400-digit value is not `Infinity`).
 *
 * @example
 * ```ts
 * parseRetryAfterSeconds(response.headers.get("retry-after")); // "120" → 120
 * ```
 */
export function parseRetryAfterSeconds(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return Number.isFinite(seconds) ? seconds : undefined;
  }
  // An HTTP-date names its day and month; V8 would otherwise read "-5" as the year -5.
  const date = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}
