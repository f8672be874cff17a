/** The largest value proxy-auth stores under a token key: a sealed token is a few kilobytes. */
export const MAX_TOKEN_VALUE_BYTES = 256 * 1024;
/** The largest value proxy-auth stores under a lock key: an owner and its MAC. */
export const MAX_LOCK_VALUE_BYTES = 256;

/**
 * Lua that deletes `KEYS[keyIndex]` when it holds what proxy-auth never writes there: another
 * type than a string (a list, a hash: every `GET` would fail) or a string longer than
 * `maxBytes` (reading it would outlast the command timeout). Either would otherwise switch the
 * fleet's sharing off for good — each process taking the cache for down and fetching its own
 * tokens, nobody ever replacing the key — after a single write by someone without the key.
 */
export function keepString(keyIndex: number, maxBytes: number): string {
  return `local kind${keyIndex} = redis.call("type", KEYS[${keyIndex}]).ok
if kind${keyIndex} ~= "none" and (kind${keyIndex} ~= "string" or redis.call("strlen", KEYS[${keyIndex}]) > ${maxBytes}) then redis.call("del", KEYS[${keyIndex}]) end`;
}
