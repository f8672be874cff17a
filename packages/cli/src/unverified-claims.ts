/**
 * The header and claims of a JWT, decoded without verifying anything: for showing what a token
 * says (its `iss`, `aud`, `scope`, `exp`), never for trusting it.
 *
 * @returns `undefined` when the token is not three base64url segments with JSON objects.
 */
export function unverifiedClaims(
  token: string,
): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  const [header, claims, signature] = token.split(".");
  if (header === undefined || claims === undefined || signature === undefined) return undefined;
  const decode = (segment: string): Record<string, unknown> | undefined => {
    try {
      const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
      return typeof value === "object" && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  };
  const decodedHeader = decode(header);
  const decodedClaims = decode(claims);
  if (decodedHeader === undefined || decodedClaims === undefined) return undefined;
  return { header: decodedHeader, claims: decodedClaims };
}
