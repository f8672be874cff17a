import type { AccessToken } from "./access-token.js";

/** A validated token with the times (in clock milliseconds) that drive its lifecycle. */
export interface ScheduledToken {
  readonly accessToken: AccessToken;
  /** The ready-made header value, `Bearer <token>`. */
  readonly authorization: string;
  /** Before this, the token is served with no I/O at all. */
  readonly refreshAt: number;
  /** Before this (and after `refreshAt`), the token is served while one background refresh runs. */
  readonly usableUntil: number;
}

/**
 * Works out when to refresh a token and until when to serve it.
 *
 * The buffer is `min(refreshBufferSeconds, half the remaining lifetime)`, so a 60 s token is
 * refreshed after 30 s rather than on every call; a provider's `refreshAfter` can only bring
 * the refresh earlier, never sooner than {@link refreshFloorMs} after the token was obtained (a
 * credential that always says "refresh now" costs one call per floor, not one per request).
 * The margin (clock skew, transit) is capped at half the buffer, so a freshly obtained token is
 * always served for at least three quarters of its remaining life. The token is frozen: what
 * callers are handed cannot change what the handler serves.
 */
export function scheduleToken(
  accessToken: AccessToken,
  nowMs: number,
  refreshBufferSeconds: number,
  expiryMarginSeconds: number,
): ScheduledToken {
  const expiresAt = accessToken.expiresOn * 1000;
  const bufferMs = Math.min(refreshBufferSeconds * 1000, (expiresAt - nowMs) / 2);
  const marginMs = Math.min(expiryMarginSeconds * 1000, bufferMs / 2);
  const usableUntil = expiresAt - marginMs;
  let refreshAt = expiresAt - bufferMs;
  if (accessToken.refreshAfter !== undefined) {
    refreshAt = Math.max(
      Math.min(refreshAt, accessToken.refreshAfter * 1000),
      nowMs + refreshFloorMs(expiresAt - nowMs),
    );
  }
  return Object.freeze({
    accessToken: Object.freeze(accessToken),
    authorization: `Bearer ${accessToken.token}`,
    refreshAt: Math.min(refreshAt, usableUntil),
    usableUntil,
  });
}

/** The shortest time between obtaining a token and refreshing it: `min(30 s, half its remaining life)`. */
export function refreshFloorMs(remainingMs: number): number {
  return Math.min(30_000, remainingMs / 2);
}
