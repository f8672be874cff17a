/**
 * Where a token source may say what it reads (`clientAssertionFromFile`: `file:/abs/path`), so
 * credentials built on the same source share a cache key across processes: the assertion
 * itself rotates and cannot be the identity. A source without it is an identity of its own.
 */
export const TOKEN_SOURCE_IDENTITY: unique symbol = Symbol.for("proxy-auth.tokenSourceIdentity");

/** The identity a source declares, when it declares a string one. */
export function tokenSourceIdentity(source: object): string | undefined {
  const identity = (source as { [TOKEN_SOURCE_IDENTITY]?: unknown })[TOKEN_SOURCE_IDENTITY];
  return typeof identity === "string" ? identity : undefined;
}
