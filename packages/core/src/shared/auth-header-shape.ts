import { ConfigurationError } from "../errors.js";

/**
 * Which header carries the token, and with which scheme. Not every gateway reads
 * `Authorization: Bearer`: Cloudflare AI Gateway reads `cf-aig-authorization: Bearer <token>`,
 * Portkey `x-portkey-api-key: <token>`, Anthropic-style endpoints `x-api-key: <token>`.
 *
 * @example
 * ```ts
 * createAuthFetch(handler, { header: "x-portkey-api-key", scheme: null }); // x-portkey-api-key: <token>
 * ```
 */
export interface AuthHeaderShape {
  /** The header's name. Default `"Authorization"`. */
  header?: string;
  /** The scheme before the token. Default `"Bearer"`; `null` or `""` sends the bare token. */
  scheme?: string | null;
}

/** A validated {@link AuthHeaderShape}: the header's name and its value for a token. */
export interface AuthHeader {
  /** The header's name, as given (header names are case-insensitive). */
  readonly name: string;
  /** The scheme, or `""` for a bare token. */
  readonly scheme: string;
  /** The header's value for this token: `"<scheme> <token>"`, or the bare token. */
  value(token: string): string;
}

// RFC 9110 `token`: the grammar of header names and of authentication schemes.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Headers that frame or route the request: a token there would break it, not authorize it.
const RESERVED = new Set([
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
]);

/**
 * Validates a header shape and applies its defaults (`Authorization`, `Bearer`). For tools that
 * take the shape from their own configuration (a command line's `--header`/`--scheme`).
 *
 * @param where - Names the caller in error messages, e.g. `"createAuthFetch"`.
 * @throws ConfigurationError when the header name or the scheme is not an HTTP token, or the
 *   header is one that frames the request (`Host`, `Content-Length`…).
 * @example
 * ```ts
 * const shape = resolveAuthHeader({ header: "cf-aig-authorization" }, "my-tool");
 * const headers = new Headers();
 * headers.set(shape.name, shape.value((await handler.getToken()).token)); // cf-aig-authorization: Bearer <token>
 * ```
 */
export function resolveAuthHeader(shape: AuthHeaderShape | undefined, where: string): AuthHeader {
  const name = shape?.header ?? "Authorization";
  const given = shape?.scheme === undefined ? "Bearer" : (shape.scheme ?? "");
  if (typeof name !== "string" || !TOKEN.test(name) || RESERVED.has(name.toLowerCase())) {
    throw new ConfigurationError(
      `${where}: "header" must be a header name such as "Authorization", "cf-aig-authorization" or "x-api-key" (letters, digits and -; not Host, Connection, Content-Length, Content-Type or Transfer-Encoding).`,
    );
  }
  if (typeof given !== "string" || (given !== "" && !TOKEN.test(given))) {
    throw new ConfigurationError(
      `${where}: "scheme" must be one word such as "Bearer", or null (or "") for the bare token.`,
    );
  }
  return {
    name,
    scheme: given,
    value: given === "" ? (token) => token : (token) => `${given} ${token}`,
  };
}
