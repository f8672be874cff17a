import type { ReleaseLock } from "@proxy-auth/core";
import type { Redis } from "ioredis";
import { keepString, MAX_LOCK_VALUE_BYTES } from "./stored-value-guard.js";

/**
 * The refresh lock's time to live in Redis. Its holder renews it while it refreshes, so a lock
 * whose holder died (or that nobody of ours set) lapses within this, whatever lease was asked.
 */
export const LOCK_TTL_MS = 2_000;

/** How often a holder renews its lock: three times per time to live. */
const RENEW_EVERY_MS = Math.floor(LOCK_TTL_MS / 3);

/**
 * Lua that cuts the lock in `KEYS[lockIndex]` to `ARGV[ttlIndex]` when it has no expiry or a
 * longer one: any lock is honoured for one TTL at most from the moment a claim sees it, whoever
 * set it (a lock planted with no expiry cannot hold the fleet).
 */
export function capLock(lockIndex: number, ttlIndex: number): string {
  return `local lockTtl = redis.call("pttl", KEYS[${lockIndex}])
if lockTtl == -1 or lockTtl > tonumber(ARGV[${ttlIndex}]) then redis.call("pexpire", KEYS[${lockIndex}], ARGV[${ttlIndex}]) end`;
}

// Takes the lock if it is free. KEYS: lock; ARGV: owner, TTL. Returns 1 when taken, else the
// held lock's value (0 if it lapsed meanwhile).
const TAKE_SCRIPT = `${keepString(1, MAX_LOCK_VALUE_BYTES)}
${capLock(1, 2)}
if redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2], "NX") then return 1 end
return redis.call("get", KEYS[1]) or 0`;

// Replaces a planted lock, only while it still holds the value judged planted. KEYS: lock;
// ARGV: the planted value, the new owner, TTL.
const TAKE_OVER_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then
  redis.call("set", KEYS[1], ARGV[2], "PX", ARGV[3])
  return 1
end
return 0`;

// Deletes the lock only if this holder still owns it (its lease may have passed to another).
const RELEASE_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

// Renews the lock's TTL only while this holder still owns it. KEYS: lock; ARGV: owner, TTL.
const RENEW_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

/** A lease in whole milliseconds, at least 1. */
function lease(leaseMs: number): number {
  return Math.max(1, Math.floor(leaseMs));
}

/** The TTL a new lock is set with: the lease asked for, at most {@link LOCK_TTL_MS}. */
export function lockTtl(leaseMs: number): number {
  return Math.min(lease(leaseMs), LOCK_TTL_MS);
}

/** How the locks of one key are told apart. */
export interface LockOwners {
  /** A fresh owner value for a lock about to be taken. */
  fresh(): string;
  /** Whether a lock's value was set by a member of the fleet. */
  isFleet(value: string): boolean;
  /** Told when a lock the fleet did not set is taken over. */
  planted(): void;
}

/** Takes `lock` for `leaseMs` if it is free (after capping a planted one), or if it was planted. */
export async function takeLock(
  redis: Redis,
  lock: string,
  leaseMs: number,
  owners: LockOwners,
): Promise<ReleaseLock | undefined> {
  const owner = owners.fresh();
  const taken = await redis.eval(TAKE_SCRIPT, 1, lock, owner, lockTtl(leaseMs));
  if (taken === 1) return heldLock(redis, lock, owner, leaseMs);
  return typeof taken === "string"
    ? takeOverPlanted(redis, lock, taken, leaseMs, owners)
    : undefined;
}

/**
 * Takes over a held lock whose value `held` no member of the fleet set (someone who can write
 * to Redis but has no key planted it, perhaps again and again): such a lock is not honoured at
 * all. A lock of the fleet's own (a live refresher) is left alone.
 */
export async function takeOverPlanted(
  redis: Redis,
  lock: string,
  held: string,
  leaseMs: number,
  owners: LockOwners,
): Promise<ReleaseLock | undefined> {
  if (owners.isFleet(held)) return undefined;
  const owner = owners.fresh();
  const taken = await redis.eval(TAKE_OVER_SCRIPT, 1, lock, held, owner, lockTtl(leaseMs));
  if (taken !== 1) return undefined;
  owners.planted();
  return heldLock(redis, lock, owner, leaseMs);
}

/**
 * The release function of a lock this process took (with TTL {@link lockTtl}): until it is
 * called, and for at most `leaseMs` in all, the lock's TTL is renewed every
 * {@link RENEW_EVERY_MS}. A holder that dies stops renewing, so its lock lapses within
 * {@link LOCK_TTL_MS}; a holder that lost its lock stops too. Called with `holdMs`, it leaves
 * the lock to lapse that much later (at most {@link LOCK_TTL_MS}) instead of deleting it.
 */
export function heldLock(redis: Redis, lock: string, owner: string, leaseMs: number): ReleaseLock {
  const until = Date.now() + lease(leaseMs);
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => clearInterval(timer);
  if (lease(leaseMs) > LOCK_TTL_MS) {
    timer = setInterval(() => {
      const left = until - Date.now();
      if (left <= 0) {
        stop();
        return;
      }
      redis
        .eval(RENEW_SCRIPT, 1, lock, owner, Math.min(LOCK_TTL_MS, left))
        .then((renewed) => {
          if (renewed !== 1) stop();
        })
        // A failed renewal is tried again on the next tick; the lock lapses if Redis stays away.
        .catch(() => {});
    }, RENEW_EVERY_MS);
    timer.unref();
  }
  return async (holdMs) => {
    stop();
    // Held a little longer (its TTL cut to holdMs, if it is still ours), or deleted now.
    if (holdMs !== undefined && holdMs > 0) {
      await redis.eval(RENEW_SCRIPT, 1, lock, owner, lease(Math.min(holdMs, LOCK_TTL_MS)));
    } else {
      await redis.eval(RELEASE_SCRIPT, 1, lock, owner);
    }
  };
}
