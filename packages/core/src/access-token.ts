import { InvalidTokenError } from "./errors.js";

/**
 * An access token and when it expires: what every credential returns.
 *
 * @example
 * ```ts
 * const token: AccessToken = { token: "eyJhbGciOi...", expiresOn: Math.floor(Date.now() / 1000) + 3600 };
 * ```
 */
export interface AccessToken {
  /** The access token (a JWT or an opaque string), sent as `Authorization: Bearer <token>`. */
  token: string;
  /** Absolute expiry as Unix time in SECONDS (`expires_on` in LiteLLM's Python `litellm.proxy_auth`). */
  expiresOn: number;
  /** Optional provider hint, Unix seconds: refresh in the background after this time. */
  refreshAfter?: number;
  /**
   * `"Bearer"` (the header scheme then is `Bearer`), or `"DPoP"` for a token bound to the
   * credential's key (RFC 9449): the clients then send `Authorization: DPoP <token>` with a fresh
   * proof on every request. Other values are informational.
   */
  tokenType?: string;
}

/**
 * Expiry values above this are taken for milliseconds: 10^11 seconds is the year 5138, while
 * `Date.now()` has been above 10^12 since 2001.
 */
const LARGEST_PLAUSIBLE_SECONDS = 1e11;

/** Printable ASCII without space: anything else could split or inject an HTTP header. */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/**
 * Checks what a credential returned and gives back a clean copy of it.
 *
 * @param value - The credential's answer.
 * @param nowSeconds - The current time, Unix seconds.
 * @throws {@link InvalidTokenError} naming the problem (never the token itself).
 */
export function validateAccessToken(value: unknown, nowSeconds: number): AccessToken {
  if (typeof value !== "object" || value === null) {
    throw new InvalidTokenError(
      `The credential returned ${value === null ? "null" : typeof value} instead of an AccessToken ({ token, expiresOn }).`,
    );
  }
  const { token, expiresOn, refreshAfter, tokenType } = value as Record<string, unknown>;
  if (typeof token !== "string" || token.length === 0) {
    throw new InvalidTokenError("The credential returned an AccessToken without a token string.");
  }
  if (!TOKEN_PATTERN.test(token)) {
    throw new InvalidTokenError(
      "The credential returned a token containing whitespace, control or non-ASCII characters; it cannot be sent in an HTTP header.",
    );
  }
  checkSeconds("expiresOn", expiresOn);
  if (expiresOn <= nowSeconds) {
    throw new InvalidTokenError(
      `The credential returned a token that has already expired (expiresOn ${expiresOn}, now ${Math.floor(nowSeconds)}).`,
    );
  }
  const result: AccessToken = { token, expiresOn };
  if (refreshAfter !== undefined) {
    checkSeconds("refreshAfter", refreshAfter);
    result.refreshAfter = refreshAfter;
  }
  if (tokenType !== undefined) {
    if (typeof tokenType !== "string") {
      throw new InvalidTokenError("The credential returned a tokenType that is not a string.");
    }
    result.tokenType = tokenType;
  }
  return result;
}

function checkSeconds(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidTokenError(
      `The credential returned an AccessToken whose ${name} is not a finite number of Unix seconds.`,
    );
  }
  if (value > LARGEST_PLAUSIBLE_SECONDS) {
    throw new InvalidTokenError(
      `The credential returned ${name} ${value}, which looks like milliseconds; ${name} is Unix time in seconds (divide by 1000).`,
    );
  }
}
