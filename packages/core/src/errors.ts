/**
 * The errors every proxy-auth package throws. Each carries a stable string `code`, so callers
 * can branch on it without `instanceof` (which fails when two copies of core are installed).
 */

const BRAND = Symbol.for("@proxy-auth/core.ProxyAuthError");

/** The stable `code` of every error class in proxy-auth. */
export const ErrorCode = {
  TOKEN_ACQUISITION_FAILED: "TOKEN_ACQUISITION_FAILED",
  INVALID_TOKEN: "INVALID_TOKEN",
  CONFIGURATION_ERROR: "CONFIGURATION_ERROR",
  PROXY_REQUEST_FAILED: "PROXY_REQUEST_FAILED",
  CREDENTIAL_UNAVAILABLE: "CREDENTIAL_UNAVAILABLE",
} as const;

/** Options shared by every proxy-auth error. */
export interface ProxyAuthErrorOptions {
  /** The underlying error, kept as the ES2022 `cause`. */
  cause?: unknown;
}

/**
 * The base of every error thrown by proxy-auth packages.
 *
 * @example
 * ```ts
 * try {
 *   await handler.getToken();
 * } catch (error) {
 *   if (ProxyAuthError.isInstance(error)) console.error(error.code, error.message);
 * }
 * ```
 */
export class ProxyAuthError extends Error {
  /** The code that every instance of this class carries; subclasses override it. */
  static readonly code: string = "PROXY_AUTH_ERROR";

  /** A stable, machine-readable code such as `"TOKEN_ACQUISITION_FAILED"`. */
  readonly code: string;

  /**
   * @param message - What went wrong and, where possible, what to change. Never a secret.
   * @param code - The stable code; by default the static `code` of the class constructed, so a
   *   subclass states its code once.
   * @param options - `cause`.
   */
  constructor(message: string, code?: string, options?: ProxyAuthErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code ?? (new.target as unknown as { readonly code: string }).code;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * Whether `error` is an instance of this class, also when it was created by another installed
   * copy of `@proxy-auth/core` (CommonJS and ESM copies, or two versions side by side).
   * On a subclass it also checks the subclass's `code`.
   */
  static isInstance<T>(
    this: { readonly code: string; readonly prototype: T },
    error: unknown,
  ): error is T {
    if (typeof error !== "object" || error === null || !(BRAND in error)) return false;
    return this.code === ProxyAuthError.code || (error as { code?: unknown }).code === this.code;
  }
}

/** Details of a failed token request. */
export interface TokenAcquisitionErrorOptions extends ProxyAuthErrorOptions {
  /** HTTP status from the identity provider, when there was a response. */
  status?: number;
  /** The OAuth 2.0 `error` code, such as `"invalid_client"`. */
  oauthError?: string;
  /** Whether trying again later may succeed (network error, timeout, 408, 429, 5xx). */
  retryable?: boolean;
  /** How long the provider asked us to wait (`Retry-After`), in seconds. */
  retryAfterSeconds?: number;
}

/**
 * A credential could not obtain a token: the identity provider refused, failed or could not be
 * reached. `retryable` tells whether trying again later may help.
 */
export class TokenAcquisitionError extends ProxyAuthError {
  static override readonly code: string = ErrorCode.TOKEN_ACQUISITION_FAILED;
  /** HTTP status from the identity provider, when there was one. */
  readonly status?: number;
  /** The OAuth 2.0 `error` code from the provider, e.g. `"invalid_client"`. */
  readonly oauthError?: string;
  /** Network error, timeout, 408, 429 or 5xx: trying again later may succeed. */
  readonly retryable: boolean;
  /** The provider's `Retry-After`, in seconds, when it sent one. */
  readonly retryAfterSeconds?: number;

  /**
   * @param message - What failed, without any secret or token.
   * @param options - Status, OAuth error, retryability, `Retry-After` and `cause`.
   */
  constructor(message: string, options: TokenAcquisitionErrorOptions = {}) {
    super(message, undefined, options);
    if (options.status !== undefined) this.status = options.status;
    if (options.oauthError !== undefined) this.oauthError = options.oauthError;
    this.retryable = options.retryable ?? false;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A credential returned an `AccessToken` that cannot be used (empty, malformed, wrong unit, expired). */
export class InvalidTokenError extends ProxyAuthError {
  static override readonly code: string = ErrorCode.INVALID_TOKEN;

  /**
   * @param message - What is wrong with the token, never the token itself.
   * @param options - `cause`.
   */
  constructor(message: string, options?: ProxyAuthErrorOptions) {
    super(message, undefined, options);
  }
}

/** Bad options, reported where they are given (in a constructor) with what to change. */
export class ConfigurationError extends ProxyAuthError {
  static override readonly code: string = ErrorCode.CONFIGURATION_ERROR;

  /**
   * @param message - Which option is wrong and what to set instead.
   * @param options - `cause`.
   */
  constructor(message: string, options?: ProxyAuthErrorOptions) {
    super(message, undefined, options);
  }
}

/**
 * The credential cannot work where this runs: no identity is configured here (no managed
 * identity, no federated token file, not signed in, not inside a CI job that issues tokens…).
 * Unlike a {@link TokenAcquisitionError}, no identity provider was asked or answered, and
 * trying again will not help until the environment changes. The message names what was tried.
 */
export class CredentialUnavailableError extends ProxyAuthError {
  static override readonly code: string = ErrorCode.CREDENTIAL_UNAVAILABLE;
  /** Always `false`: retrying cannot help until the environment changes. */
  readonly retryable = false;

  /**
   * @param message - Which credential, what it looked for, and what to configure.
   * @param options - `cause`.
   */
  constructor(message: string, options?: ProxyAuthErrorOptions) {
    super(message, undefined, options);
  }
}
