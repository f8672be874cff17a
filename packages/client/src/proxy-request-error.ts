import { ErrorCode, ProxyAuthError, type ProxyAuthErrorOptions } from "@proxy-auth/core";

/** Details of a failed proxy request. */
export interface ProxyRequestErrorOptions extends ProxyAuthErrorOptions {
  /** The HTTP status; 0 when no response arrived (network error, timeout). */
  status: number;
  /** The parsed JSON body, or the text when it was not JSON. */
  body?: unknown;
  /** Whether trying again later may help (network error, timeout, 408, 429, 5xx). */
  retryable: boolean;
  /** How long the proxy asked us to wait (`Retry-After`), in seconds. */
  retryAfterSeconds?: number;
}

/**
 * The proxy answered with an error, or could not be reached.
 *
 * @example
 * ```ts
 * try {
 *   await completion({ model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] });
 * } catch (error) {
 *   if (ProxyRequestError.isInstance(error)) console.error(error.status, error.retryable);
 *   else throw error;
 * }
 * ```
 */
export class ProxyRequestError extends ProxyAuthError {
  static override readonly code: string = ErrorCode.PROXY_REQUEST_FAILED;
  /** The HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** The parsed JSON body, or the text (kept out of `JSON.stringify` of the error). */
  declare readonly body: unknown;
  /** Network error, timeout, 408, 429 or 5xx. */
  readonly retryable: boolean;
  /**
   * The proxy's `Retry-After`, in seconds, when it sent one: the client's retries wait at least
   * this long (up to 60 s), and a caller retrying on its own can read it.
   */
  readonly retryAfterSeconds?: number;

  /**
   * @param message - What failed; never a token.
   * @param options - Status, body, retryability, `Retry-After` and `cause`.
   */
  constructor(message: string, options: ProxyRequestErrorOptions) {
    super(message, undefined, options);
    this.status = options.status;
    this.retryable = options.retryable;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    // The body can be large: keep it out of logs that serialise the error.
    Object.defineProperty(this, "body", { value: options.body, enumerable: false });
  }
}

/**
 * The error for a 401 that a token failure explains (`onTokenError: "warn"`): the request went
 * without a token, or with one the proxy refused and no replacement could be had. The token
 * failure (such as `invalid_client` at the token endpoint) is the message and the `cause`, not
 * the proxy's "missing bearer token".
 */
export function tokenFailureError(
  origin: string,
  status: number,
  body: unknown,
  tokenFailure: unknown,
  sentToken: boolean,
): ProxyRequestError {
  const reason = tokenFailure instanceof Error ? tokenFailure.message : String(tokenFailure);
  const what = sentToken
    ? "refused the token, and no new one could be obtained"
    : "because no token could be obtained, so the request went without one";
  return new ProxyRequestError(`The proxy at ${origin} answered ${status} ${what}: ${reason}`, {
    status,
    body,
    retryable: false,
    cause: tokenFailure,
  });
}
