import type { AccessToken } from "../access-token.js";

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

/**
 * How far into the refresh window (from `refreshAt` towards `usableUntil`) handlers sharing a
 * cache spread their refresh times. The rest of the window is left for the refresh itself.
 */
export const REFRESH_SPREAD = 0.75;

/** The first pause of a handler that found another process refreshing (doubled on each look). */
const LOOK_AGAIN_MS = 1_000;

/** The shortest pause between two looks, unless the token stops being usable sooner. */
const MIN_LOOK_AGAIN_MS = 100;

/** The token with its refresh moved to `refreshAt`, never past the point it stops being usable. */
export function rescheduleRefresh(token: ScheduledToken, refreshAt: number): ScheduledToken {
  return Object.freeze({ ...token, refreshAt: Math.min(refreshAt, token.usableUntil) });
}

/**
 * The token with its refresh moved to this handler's own point of the refresh window:
 * `position` (in [0, 1), drawn once per handler) of the first {@link REFRESH_SPREAD} of the
 * time between `refreshAt` and `usableUntil`. Handlers sharing one token then reach their
 * refresh times one by one, not all at once: the first refreshes, the rest find its token.
 */
export function spreadRefresh(token: ScheduledToken, position: number): ScheduledToken {
  const windowMs = Math.max(0, token.usableUntil - token.refreshAt);
  return rescheduleRefresh(token, token.refreshAt + position * REFRESH_SPREAD * windowMs);
}

/**
 * When a handler whose token is still usable, and which found another process refreshing,
 * looks again: after about a second, doubled on each further look (`looks` counts them, 1 for
 * the first), never later than half the usable time left, with jitter (half to all of the
 * step) so the handlers that looked together do not look again together.
 */
export function lookAgainAt(
  token: ScheduledToken,
  nowMs: number,
  looks: number,
  random: () => number,
): number {
  const leftMs = token.usableUntil - nowMs;
  const stepMs = Math.min(LOOK_AGAIN_MS * 2 ** (looks - 1), leftMs / 2);
  return nowMs + Math.max(stepMs * (0.5 + random() / 2), Math.min(leftMs, MIN_LOOK_AGAIN_MS));
}
