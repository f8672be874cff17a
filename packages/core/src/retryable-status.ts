/**
 * Whether an HTTP status is worth trying again later: 408, 429 and 5xx. The one rule every
 * proxy-auth package uses for `retryable`; credential authors can use it too.
 *
 * @example
 * ```ts
 * throw new TokenAcquisitionError(`HTTP ${response.status}`, { status: response.status, retryable: isRetryableStatus(response.status) });
 * ```
 */
export function isRetryableStatus(status: number | undefined): boolean {
  return status !== undefined && (status === 408 || status === 429 || status >= 500);
}
