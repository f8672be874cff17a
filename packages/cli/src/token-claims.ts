/** The claims of a JWT access token, as a JSON object. */
export type TokenClaims = Record<string, unknown>;

/** One base64url JSON segment of a JWT as an object, or undefined. */
function decodeSegment(segment: string): TokenClaims | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as TokenClaims)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The header and claims of a JWT, decoded without verifying anything: for showing what a token
 * says (its `alg`, `kid`, `iss`, `aud`, `scope`, `exp`), never for trusting it.
 *
 * @returns `undefined` when the token is not three segments whose first two are JSON objects.
 */
export function unverifiedJwt(
  token: string,
): { header: TokenClaims; claims: TokenClaims } | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const header = decodeSegment(parts[0] as string);
  const claims = decodeSegment(parts[1] as string);
  return header === undefined || claims === undefined ? undefined : { header, claims };
}

/**
 * The claims of a JWT, read without verifying it (only to tell the user what a token says: the
 * proxy verifies it), or undefined for a token that is not a JWT (opaque).
 */
export function tokenClaims(token: string): TokenClaims | undefined {
  const parts = token.split(".");
  return parts.length === 3 ? decodeSegment(parts[1] as string) : undefined;
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
