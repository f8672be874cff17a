/**
 * The most of its own lifetime a token must still have to be reused: half. `--min-ttl` can ask
 * for less, never for more, so a provider's short-lived tokens (5 minutes is a common default)
 * still make one grant per half lifetime rather than one per run.
 */
export const MIN_TTL_LIFETIME_FRACTION = 0.5;

/**
 * How long, in seconds, a token must still be valid to be handed out again:
 * `min(minTtlSeconds, half the token's lifetime)`. With an unknown lifetime (a cache entry
 * written before lifetimes were recorded), `minTtlSeconds`.
 *
 * @param minTtlSeconds - What `--min-ttl` asks for.
 * @param lifetimeSeconds - How long the token was valid when it was obtained.
 */
export function requiredTtlSeconds(
  minTtlSeconds: number,
  lifetimeSeconds: number | undefined,
): number {
  if (lifetimeSeconds === undefined || !Number.isFinite(lifetimeSeconds)) return minTtlSeconds;
  return Math.min(minTtlSeconds, Math.max(0, lifetimeSeconds) * MIN_TTL_LIFETIME_FRACTION);
}

/**
 * Whether a cached token may be handed out again at `nowSeconds`: before its refresh time, and
 * with more than {@link requiredTtlSeconds} left.
 *
 * @param entry - The cached token's expiry, refresh time and when it was obtained (Unix seconds).
 */
export function isReusable(
  entry: { expiresOn: number; refreshAt: number; obtainedAt?: number | undefined },
  minTtlSeconds: number,
  nowSeconds: number,
): boolean {
  const lifetime = entry.obtainedAt === undefined ? undefined : entry.expiresOn - entry.obtainedAt;
  return (
    nowSeconds < entry.refreshAt &&
    entry.expiresOn - nowSeconds > requiredTtlSeconds(minTtlSeconds, lifetime)
  );
}

/**
 * The warning for a freshly obtained token that lives no longer than `--min-ttl` asks, or
 * undefined when it does: what the command does instead, and what to set.
 */
export function shortLifetimeWarning(
  minTtlSeconds: number,
  lifetimeSeconds: number,
): string | undefined {
  const required = requiredTtlSeconds(minTtlSeconds, lifetimeSeconds);
  if (required >= minTtlSeconds) return undefined;
  const lifetime = Math.floor(lifetimeSeconds);
  const half = Math.floor(required);
  return `The identity provider issues tokens valid for ${lifetime} s, not more than --min-ttl ${minTtlSeconds} s: a cached token is reused while it has more than ${half} s left (half its lifetime), so a printed token may have less than ${minTtlSeconds} s left. Set --min-ttl ${half} or less to silence this, or have the provider issue longer-lived tokens.`;
}
