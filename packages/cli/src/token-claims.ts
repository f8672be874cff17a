/** The claims of a JWT access token, as a JSON object. */
export type TokenClaims = Record<string, unknown>;

/**
 * The claims of a JWT, read without verifying it (only to tell the user what a token says: the
 * proxy verifies it), or undefined for a token that is not a JWT (opaque).
 */
export function tokenClaims(token: string): TokenClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims)
      ? (claims as TokenClaims)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a token was issued for, for messages: `aud=…, scope=…` from its claims (`scope`, or
 * `scp`), or a note that it is opaque. Claims are not secrets; the token never appears.
 */
export function describeAudienceAndScope(token: string): string {
  const claims = tokenClaims(token);
  if (claims === undefined) return "an opaque token (not a JWT: its audience cannot be read)";
  const show = (value: unknown) =>
    value === undefined ? "(none)" : Array.isArray(value) ? value.join(" ") : String(value);
  // Claims are the issuer's text: bounded, and without control characters (one log line).
  return `aud=${show(claims.aud)}, scope=${show(claims.scope ?? claims.scp)}`
    .replace(/\p{Cc}/gu, "?")
    .slice(0, 500);
}

/** What `proxy-auth token --decode` prints: what a token says, never the token. */
export interface DecodedToken {
  /** The token's claims (`aud`, `scope`, `exp`, `sub`, …), or null for an opaque token. */
  claims: TokenClaims | null;
  /** When it expires, Unix seconds. */
  expiresOn: number;
  /** How long it has left, in whole seconds. */
  expiresInSeconds: number;
}

/**
 * The `--decode` view of a token: its claims (read, not verified) and how long it has left.
 *
 * @param nowSeconds - The current time, Unix seconds.
 */
export function decodeToken(
  token: { token: string; expiresOn: number },
  nowSeconds: number,
): DecodedToken {
  return {
    claims: tokenClaims(token.token) ?? null,
    expiresOn: Math.floor(token.expiresOn),
    expiresInSeconds: Math.max(0, Math.floor(token.expiresOn - nowSeconds)),
  };
}
