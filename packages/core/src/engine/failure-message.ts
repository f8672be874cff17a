import type { ProxyAuthError } from "../errors.js";
import type { ScheduledToken } from "./token-schedule.js";

/**
 * The warning for a failed credential call: what failed, what callers get meanwhile (the cached
 * token, requests without the header, or failures) and when the next attempt comes, in the
 * same delay as the `retryInMs` beside it ("57 ms", "1.5 s").
 */
export function failureMessage(
  error: ProxyAuthError,
  scope: string,
  serving: ScheduledToken | undefined,
  delayMs: number,
  onTokenError: "warn" | "throw",
): string {
  const wait = delayMs < 1000 ? `${delayMs} ms` : `${Math.round(delayMs / 100) / 10} s`;
  return serving !== undefined
    ? `Token refresh for scope "${scope}" failed: ${error.message} Still serving the cached token (expires ${new Date(serving.accessToken.expiresOn * 1000).toISOString()}); next attempt in ${wait} or later.`
    : `Could not obtain a token for scope "${scope}": ${error.message} ${
        onTokenError === "warn" ? "Requests go on without an Authorization header" : "Requests fail"
      } until a token is obtained; next attempt in ${wait} or later.`;
}
