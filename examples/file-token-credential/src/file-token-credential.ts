import { readFile } from "node:fs/promises";
import {
  type AccessToken,
  ConfigurationError,
  type GetTokenOptions,
  InvalidTokenError,
  jwtExpiry,
  TokenAcquisitionError,
  type TokenCredential,
} from "@proxy-auth/core";

/** Options of {@link FileTokenCredential}. */
export interface FileTokenCredentialOptions {
  /** The token file, e.g. `/var/run/secrets/tokens/litellm-token` (required). */
  path: string;
  /**
   * Read the file again when the token it held has less than this many seconds left. Kubernetes
   * rotates projected tokens at 80% of their lifetime; default 300.
   */
  rereadBeforeExpirySeconds?: number;
  /**
   * Lifetime to assume for a token that is not a JWT with `exp`. Default: such a token is an
   * `InvalidTokenError`.
   */
  lifetimeSeconds?: number;
  /** Clock in milliseconds. Default `Date.now` (inject one in tests). */
  now?: () => number;
}

/**
 * A token read from a file that something else keeps fresh: Kubernetes projected
 * service-account tokens, Azure / GCP / AWS workload-identity federation files. The expiry comes
 * from the JWT's `exp`; the file is read again when the token nears expiry. The scope is not
 * used: the file's token has the audience it was issued for.
 *
 * @example
 * ```ts
 * const handler = new ProxyAuthHandler({
 *   credential: new FileTokenCredential({ path: "/var/run/secrets/tokens/litellm-token" }),
 *   scope: "litellm-proxy",
 * });
 * ```
 */
export class FileTokenCredential implements TokenCredential {
  /** The token file. */
  readonly path: string;
  readonly #rereadBeforeExpiryMs: number;
  readonly #lifetimeSeconds: number | undefined;
  readonly #now: () => number;
  #last: AccessToken | undefined;

  /** @throws ConfigurationError for a missing path or malformed numbers. */
  constructor(options: FileTokenCredentialOptions) {
    if (typeof options?.path !== "string" || options.path.length === 0) {
      throw new ConfigurationError(
        'FileTokenCredential: "path" is required, e.g. "/var/run/secrets/tokens/litellm-token".',
      );
    }
    for (const name of ["rereadBeforeExpirySeconds", "lifetimeSeconds"] as const) {
      const value = options[name];
      if (
        value !== undefined &&
        (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
      ) {
        throw new ConfigurationError(
          `FileTokenCredential: "${name}" must be a positive number of seconds.`,
        );
      }
    }
    this.path = options.path;
    this.#rereadBeforeExpiryMs = (options.rereadBeforeExpirySeconds ?? 300) * 1000;
    this.#lifetimeSeconds = options.lifetimeSeconds;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The file's token: the last one read while it has more than `rereadBeforeExpirySeconds`
   * left, else the file read again.
   *
   * @throws `TokenAcquisitionError` (from `@proxy-auth/core`) (retryable) when the file cannot be read or holds an expired token.
   * @throws `InvalidTokenError` when the file holds no usable token.
   */
  async getToken(_scope: string, options?: GetTokenOptions): Promise<AccessToken> {
    const last = this.#last;
    if (last !== undefined && last.expiresOn * 1000 - this.#now() > this.#rereadBeforeExpiryMs)
      return last;
    let text: string;
    try {
      text = await readFile(this.path, {
        encoding: "utf8",
        ...(options?.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options?.signal?.aborted) throw options.signal.reason;
      const code = (error as { code?: string }).code ?? "unknown error";
      // The file may not be mounted yet, or be mid-rotation: worth trying again.
      throw new TokenAcquisitionError(
        `FileTokenCredential could not read ${this.path} (${code}).`,
        { retryable: true, cause: error },
      );
    }
    const token = text.trim();
    if (token.length === 0)
      throw new InvalidTokenError(`FileTokenCredential: ${this.path} is empty.`);
    const expiresOn = jwtExpiry(token) ?? this.#fallbackExpiry();
    if (expiresOn * 1000 <= this.#now()) {
      throw new TokenAcquisitionError(
        `FileTokenCredential: the token in ${this.path} has expired; is whatever writes the file still running?`,
        { retryable: true },
      );
    }
    this.#last = { token, expiresOn };
    return this.#last;
  }

  #fallbackExpiry(): number {
    if (this.#lifetimeSeconds === undefined) {
      throw new InvalidTokenError(
        `FileTokenCredential: the token in ${this.path} is not a JWT with an "exp" claim; set "lifetimeSeconds" to use it anyway.`,
      );
    }
    return this.#now() / 1000 + this.#lifetimeSeconds;
  }
}
