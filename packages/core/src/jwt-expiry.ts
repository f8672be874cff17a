/**
 * The `exp` claim of a JWT, read without verifying it: a client sends its token, it does not
 * trust it, and the expiry only decides when to get a new one. For credential authors whose
 * source gives a JWT without a separate lifetime.
 *
 * @returns Unix seconds, or `undefined` when the token is not a JWT with a numeric `exp`.
 *
 * @example
 * ```ts
 * const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE4OTM0NTYwMDB9.c2lnbmF0dXJl";
 * const expiresOn = jwtExpiry(jwt) ?? Math.floor(Date.now() / 1000) + 3600; // 1893456000
 * ```
 */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const json = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="))) as {
      exp?: unknown;
    };
    return typeof json.exp === "number" && Number.isFinite(json.exp) ? json.exp : undefined;
  } catch {
    return undefined;
  }
}
