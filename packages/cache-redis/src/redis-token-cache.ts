import { createHash } from "node:crypto";
import {
  type AccessToken,
  ConfigurationError,
  type Logger,
  type TokenCache,
  type TokenCacheClaim,
} from "@proxy-auth/core";
import { loggerOption, numberOption } from "@proxy-auth/core/internal";
import { Redis } from "ioredis";
import {
  capLock,
  heldLock,
  type LockOwners,
  lockTtl,
  takeLock,
  takeOverPlanted,
} from "./refresh-lock.js";
import { StoredNotifications } from "./stored-notifications.js";
import { keepString, MAX_LOCK_VALUE_BYTES, MAX_TOKEN_VALUE_BYTES } from "./stored-value-guard.js";
import { TokenCipher } from "./token-cipher.js";

/** Options of {@link createRedisTokenCache}. */
export interface RedisTokenCacheOptions {
  /** E.g. `"redis://127.0.0.1:6379"` (or `rediss://` for TLS). Give this or `client`. */
  url?: string;
  /** An existing ioredis client, `Redis` or `Cluster` (its options are yours; `close()` then leaves it open). */
  client?: unknown;
  /** Encrypts tokens at rest (AES-256-GCM). Required unless `allowPlaintext` is true. */
  encryptionKey?: string | Uint8Array;
  /** Store tokens unencrypted. Default false. */
  allowPlaintext?: boolean;
  /** Prefix of every key this cache writes. Default `"proxy-auth:"`. */
  keyPrefix?: string;
  /** Timeout of one Redis command, for a client this function creates. Default 300 ms. */
  commandTimeoutMs?: number;
  /** Where unreadable values are reported. Default: warnings to the console. */
  logger?: Logger;
}

/** A `TokenCache` (from `@proxy-auth/core`) on Redis, with `close()` to end its connection. */
export interface RedisTokenCache extends TokenCache {
  /** Closes the connection this cache opened (not a client you passed in). */
  close(): Promise<void>;
}

// One attempt in one round trip: the stored value (with its TTL) unless its SHA-1 is the one the
// caller already knows, else the refresh lock if it is free (a planted lock cut to one TTL
// first; keys holding what proxy-auth never writes deleted). KEYS: token, lock; ARGV: the known
// value's SHA-1 (or ""), the lock's owner, its TTL.
// Returns { ttl, value or "", 1 if locked, the held lock's PTTL, the held lock's value or "" }.
const CLAIM_SCRIPT = `${keepString(1, MAX_TOKEN_VALUE_BYTES)}
${keepString(2, MAX_LOCK_VALUE_BYTES)}
local value = redis.call("get", KEYS[1])
if value and redis.sha1hex(value) ~= ARGV[1] then return { redis.call("pttl", KEYS[1]), value, 0, -2, "" } end
${capLock(2, 3)}
if redis.call("set", KEYS[2], ARGV[2], "PX", ARGV[3], "NX") then return { -2, "", 1, -2, "" } end
return { -2, "", 0, redis.call("pttl", KEYS[2]), redis.call("get", KEYS[2]) or "" }`;

// Stores a token and tells the waiting processes, in one round trip: the message is the stored
// value's SHA-1, so a waiter can tell a store from noise on the channel. KEYS: token; ARGV: the
// sealed value, its TTL, the channel ("" for none).
const STORE_SCRIPT = `redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2])
if ARGV[3] ~= "" then redis.call("publish", ARGV[3], redis.sha1hex(ARGV[1])) end
return 1`;

// The value and its remaining TTL in one round trip: the TTL is a duration Redis counts down,
// which no process's clock can skew.
const READ_SCRIPT = `${keepString(1, MAX_TOKEN_VALUE_BYTES)}
return { redis.call("pttl", KEYS[1]), redis.call("get", KEYS[1]) }`;

const OWNER = "createRedisTokenCache";

/**
 * A fleet-wide token cache on Redis: every handler in every process that shares the Redis, the
 * credential identity and the scope shares one token and one refresh. Keys are a SHA-256 of
 * the handler's cache key (which holds a hash of any secret, never the secret); tokens are
 * encrypted at rest unless you opt out; the refresh lock is `SET NX PX`, released only by its
 * holder, and expires if the holder dies. A token's TTL is the remaining lifetime its writer
 * stated, and readers get it back with `getEntry`, so clock skew between processes cannot make
 * anyone serve an expired token.
 *
 * @example
 * ```ts
 * const handler = new ProxyAuthHandler({
 *   credential,
 *   scope: "litellm_proxy_api",
 *   cache: createRedisTokenCache({ url: "redis://127.0.0.1:6379", encryptionKey: process.env.TOKEN_CACHE_KEY }),
 * });
 * ```
 */
export function createRedisTokenCache(options: RedisTokenCacheOptions): RedisTokenCache {
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError(
      "createRedisTokenCache needs an options object: { url, encryptionKey }.",
    );
  }
  const { url, client, encryptionKey, allowPlaintext = false, keyPrefix = "proxy-auth:" } = options;
  const commandTimeoutMs = numberOption(OWNER, "commandTimeoutMs", options.commandTimeoutMs, 300, {
    minimum: 1,
    integer: true,
  });
  if ((url === undefined) === (client === undefined)) {
    throw new ConfigurationError(
      'createRedisTokenCache: give either "url" (e.g. "redis://127.0.0.1:6379") or "client".',
    );
  }
  if (url !== undefined && (typeof url !== "string" || !/^rediss?:\/\//.test(url))) {
    throw new ConfigurationError(
      'createRedisTokenCache: "url" must start with redis:// or rediss://.',
    );
  }
  if (client !== undefined && typeof (client as { set?: unknown }).set !== "function") {
    throw new ConfigurationError('createRedisTokenCache: "client" must be an ioredis client.');
  }
  if (encryptionKey === undefined && allowPlaintext !== true) {
    throw new ConfigurationError(
      'createRedisTokenCache: tokens are encrypted at rest: give "encryptionKey" (a secret shared by the fleet), or set allowPlaintext: true.',
    );
  }
  if (
    encryptionKey !== undefined &&
    (encryptionKey.length < 16 ||
      (typeof encryptionKey !== "string" && !(encryptionKey instanceof Uint8Array)))
  ) {
    throw new ConfigurationError(
      'createRedisTokenCache: "encryptionKey" must be a string or bytes of at least 16 characters.',
    );
  }
  if (typeof keyPrefix !== "string")
    throw new ConfigurationError('createRedisTokenCache: "keyPrefix" must be a string.');
  const logger = loggerOption(OWNER, "logger", options.logger);
  const cipher = new TokenCipher(encryptionKey);
  const redis =
    (client as Redis | undefined) ??
    new Redis(url as string, {
      // Commands wait for the first connection, but never longer than the command timeout: while
      // Redis is down they fail fast and the handler falls back to its own tokens.
      maxRetriesPerRequest: 0,
      commandTimeout: commandTimeoutMs,
      connectTimeout: 1_000,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    });
  if (client === undefined) redis.on("error", () => {}); // reported through failed commands instead
  const reported = new Set<string>();
  // The token and lock of one handler key share a hash tag: one Redis Cluster slot, so one script
  // can touch both.
  const names = (key: string) => {
    const hash = `{${createHash("sha256").update(key).digest("hex")}}`;
    return {
      token: `${keyPrefix}token:${hash}`,
      lock: `${keyPrefix}lock:${hash}`,
      channel: `${keyPrefix}stored:${hash}`,
    };
  };
  // The SHA-1 of the stored value each token came in, by key and token (a hash of both, never
  // the token): what `getOrLock` sends so Redis can skip the token the caller already has.
  const digests = new Map<string, string>();
  const remember = (storedUnder: string, token: AccessToken, value: string) => {
    if (digests.size >= 256) digests.clear();
    digests.set(fingerprint(storedUnder, token.token), sha1(value));
  };
  /** A stored value's token, or undefined (a miss, or a value that cannot be read, reported once). */
  const open = (value: string | null, storedUnder: string): AccessToken | undefined => {
    if (value === null || value === "") return undefined;
    const opened = cipher.open(value, storedUnder);
    if ("problem" in opened) {
      if (!reported.has(opened.problem)) {
        reported.add(opened.problem);
        logger.warn(
          `Token cache: ignoring the value under ${keyPrefix}token:… because ${opened.problem}; it will be replaced.`,
        );
      }
      return undefined;
    }
    remember(storedUnder, opened.token, value);
    return opened.token;
  };
  // A lock is the fleet's when its owner value carries the fleet's MAC; one that does not is
  // taken over at once (reported once), however often it is planted again.
  const owners = (lock: string): LockOwners => ({
    fresh: () => cipher.lockOwner(lock),
    isFleet: (value) => cipher.isFleetLock(value, lock),
    planted: () => {
      const problem = "planted lock";
      if (reported.has(problem)) return;
      reported.add(problem);
      logger.warn(
        `Token cache: a refresh lock under ${keyPrefix}lock:… was not set by this fleet (no valid MAC): taken over. Someone without the encryptionKey writes to this Redis.`,
      );
    },
  });
  const claim = async (
    key: string,
    leaseMs: number,
    known: string | undefined,
    again: boolean,
  ): Promise<TokenCacheClaim> => {
    const { token: storedUnder, lock } = names(key);
    const skip = known === undefined ? "" : (digests.get(fingerprint(storedUnder, known)) ?? "");
    const lockOwners = owners(lock);
    const owner = lockOwners.fresh();
    const [remainingMs, value, locked, lockRemainingMs, lockValue] = (await redis.eval(
      CLAIM_SCRIPT,
      2,
      storedUnder,
      lock,
      skip,
      owner,
      lockTtl(leaseMs),
    )) as [number, string, number, number, string];
    if (locked === 1) return { release: heldLock(redis, lock, owner, leaseMs) };
    if (value === "") {
      const release =
        lockValue === ""
          ? undefined
          : await takeOverPlanted(redis, lock, lockValue, leaseMs, lockOwners);
      if (release !== undefined) return { release };
      return lockRemainingMs > 0 ? { lockRemainingMs } : {};
    }
    const token = open(value, storedUnder);
    if (token === undefined) {
      // A value nobody can read is no token: the lock, to replace it.
      const release = await takeLock(redis, lock, leaseMs, lockOwners);
      return release === undefined ? {} : { release };
    }
    // The caller's own token, in a value not seen before here: now its digest is known.
    if (token.token === known && again) return claim(key, leaseMs, known, false);
    if (token.token === known) return {};
    // -1: a key without expiry (not written by us): the stated expiry alone bounds it.
    return {
      entry: { token, remainingMs: remainingMs === -1 ? Number.POSITIVE_INFINITY : remainingMs },
    };
  };
  // On a Redis Cluster client, waiters back off without notifications: ioredis's cluster
  // subscriber churns its connections while a node is down.
  const notifications =
    (redis as { isCluster?: boolean }).isCluster === true
      ? undefined
      : new StoredNotifications(redis);

  return {
    async get(key) {
      const { token: storedUnder } = names(key);
      const [, value] = (await redis.eval(READ_SCRIPT, 1, storedUnder)) as [number, string | null];
      return open(value, storedUnder);
    },
    async getEntry(key) {
      const { token: storedUnder } = names(key);
      const [remainingMs, value] = (await redis.eval(READ_SCRIPT, 1, storedUnder)) as [
        number,
        string | null,
      ];
      const token = open(value, storedUnder);
      if (token === undefined || remainingMs === -2) return undefined;
      // -1: a key without expiry (not written by us): the stated expiry alone bounds it.
      return { token, remainingMs: remainingMs === -1 ? Number.POSITIVE_INFINITY : remainingMs };
    },
    async set(key, token: AccessToken, lifetimeMs?: number) {
      // The TTL is the writer's remaining lifetime, a duration: no clock crosses processes.
      const ttl = Math.floor(lifetimeMs ?? token.expiresOn * 1000 - Date.now());
      if (!(ttl > 0)) return;
      const { token: storedUnder, channel } = names(key);
      const value = cipher.seal(token, storedUnder);
      remember(storedUnder, token, value);
      await redis.eval(STORE_SCRIPT, 1, storedUnder, value, ttl, notifications ? channel : "");
    },
    async acquireRefreshLock(key, leaseMs) {
      const { lock } = names(key);
      return takeLock(redis, lock, leaseMs, owners(lock));
    },
    getOrLock(key, leaseMs, known) {
      return claim(key, leaseMs, known, true);
    },
    ...(notifications && {
      waitForToken: (key: string, timeoutMs: number) =>
        notifications.next(names(key).channel, timeoutMs),
    }),
    async close() {
      notifications?.close();
      if (client === undefined) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function sha1(value: string): string {
  return createHash("sha1").update(value).digest("hex");
}

/** Which (key, token) pair a digest belongs to, without keeping the token. */
function fingerprint(storedUnder: string, token: string): string {
  return createHash("sha256").update(storedUnder).update("\n").update(token).digest("hex");
}
