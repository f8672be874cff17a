/** The headers a client may carry its own key in. */
export const CLIENT_KEY_HEADERS = ["authorization", "x-api-key", "api-key"] as const;

/**
 * The client's own key headers that go on to the target, as flat name/value pairs in the
 * client's spelling, when the forwarder passes client keys (`serve --pass-client-key`): every
 * `Authorization`, `x-api-key` or `api-key` header except the one the token travels in (the
 * token always wins there) and except one that holds the forwarder's local key (that key is for
 * the forwarder only, never for the target). Gateways such as Cloudflare AI Gateway without
 * stored keys read the gateway token from `cf-aig-authorization` and the provider key a coding
 * tool brings from `Authorization`.
 *
 * @param rawHeaders - The request's `rawHeaders`.
 * @param authHeader - The lower-cased name of the header that carries the token.
 * @param isLocalKey - Whether a presented key is the forwarder's local key.
 */
export function passedClientKeys(
  rawHeaders: readonly string[],
  authHeader: string,
  isLocalKey: (key: string) => boolean,
): string[] {
  const passed: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string;
    const value = rawHeaders[index + 1] as string;
    const lower = name.toLowerCase();
    if (!(CLIENT_KEY_HEADERS as readonly string[]).includes(lower) || lower === authHeader) {
      continue;
    }
    const key = lower === "authorization" ? (/^Bearer\s+(.+)$/i.exec(value)?.[1] ?? value) : value;
    if (isLocalKey(key) || isLocalKey(value)) continue;
    passed.push(name, value);
  }
  return passed;
}
