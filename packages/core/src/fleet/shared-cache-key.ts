import { ConfigurationError } from "../errors.js";
import type { TokenCredential } from "../token-credential.js";

/**
 * The key under which a handler shares its token: the identity (the `cacheKey` option, else the
 * credential's `cacheKey()`) and the scope, JSON-encoded so no two pairs give one key.
 *
 * @throws {@link ConfigurationError} when the identity is not a non-empty string: different
 *   identities would otherwise share one token.
 */
export async function sharedCacheKey(
  credential: TokenCredential,
  cacheKey: string | undefined,
  scope: string,
): Promise<string> {
  const identity: unknown = cacheKey ?? (await credential.cacheKey?.());
  if (typeof identity !== "string" || identity.length === 0) {
    const name = credential.constructor?.name;
    const who = name && name !== "Object" ? name : "the credential";
    throw new ConfigurationError(
      `ProxyAuthHandler: the cacheKey() of ${who} returned ${identity === "" ? "an empty string" : typeof identity}; with "cache" it must return a non-empty string naming the identity, or give the "cacheKey" option.`,
    );
  }
  return JSON.stringify([identity, scope]);
}
