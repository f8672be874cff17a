/** How long a replacement token the proxy refused as well is not replaced again. */
export const REFUSED_REPLACEMENT_MS = 30_000;

/**
 * Per handler (shared by every client and fetch wrapper built on it): the freshly issued token
 * the proxy refused too, and until when. A proxy that rejects every token (wrong audience or
 * scope) then costs one replacement grant per 30 s instead of one per call.
 */
const refused = new WeakMap<object, { token: string; until: number }>();

/** Records that the proxy refused `token`, a replacement obtained after a 401. */
export function rememberRefusedReplacement(handler: object, token: string, now: number): void {
  refused.set(handler, { token, until: now + REFUSED_REPLACEMENT_MS });
}

/** Whether `token` is a replacement the proxy already refused, less than 30 s ago. */
export function isRefusedReplacement(handler: object, token: string, now: number): boolean {
  const entry = refused.get(handler);
  return entry !== undefined && entry.token === token && now < entry.until;
}
