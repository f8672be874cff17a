import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { type AccessToken, type TokenCache, validateAccessToken } from "@proxy-auth/core";
import {
  DEFAULT_EXPIRY_MARGIN_SECONDS,
  DEFAULT_REFRESH_BUFFER_SECONDS,
  scheduleToken,
} from "@proxy-auth/core/internal";
import { takeOverStaleLock, tryLock } from "./lock-file.js";
import { isReusable } from "./min-ttl-rule.js";
import {
  ForeignFileError,
  privateDirectory,
  readPrivateFile,
  writePrivateFile,
} from "./private-file.js";
import { sweepTokenFiles } from "./sweep-token-files.js";

/** The version of the file layout; a file of another version is foreign. */
const FORMAT = "proxy-auth-token-cache/1";
/** A cache file is a few kilobytes; a larger one is not ours. */
const MAX_BYTES = 32 * 1024;

/**
 * The cache directory: `$XDG_CACHE_HOME/proxy-auth`, or `~/.cache/proxy-auth` (the XDG base
 * directory rule: a relative `XDG_CACHE_HOME` is ignored).
 */
export function tokenCacheDirectory(environment: Record<string, string | undefined>): string {
  const base = environment.XDG_CACHE_HOME;
  return join(
    base !== undefined && isAbsolute(base) ? base : join(homedir(), ".cache"),
    "proxy-auth",
  );
}

/** A file's name for a cache key (the handler's identity and scope): a hash, so neither appears in it. */
function fileName(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The on-disk {@link TokenCache} of `proxy-auth token`, with where its files are. */
export interface FileTokenCache extends TokenCache {
  /** The directory the files live in. */
  readonly directory: string;
  /** The path of the file for the handler's cache `key`. */
  path(key: string): string;
}

/**
 * Tokens on disk, one file per identity and scope, shared by runs of `proxy-auth token` through
 * the handler's fleet source (so runs started together make one grant, and the lock and its
 * lease are the fleet's rules, not the command's own). The directory is private to the user
 * (0700); each file is written to a temporary name and renamed into place (readers never see
 * half a file) with mode 0600. A file that cannot be read as ours (corrupt, another format or
 * key, a link, another owner, too large) counts as absent and is replaced on the next write;
 * so does a token this run must not hand out: past its refresh time, or with no more than
 * `--min-ttl` (at most half its lifetime) left. After each write, expired files are swept.
 *
 * @param directory - Where the files live, e.g. {@link tokenCacheDirectory}.
 * @param minTtlSeconds - What `--min-ttl` asks for (see `min-ttl-rule.ts`).
 * @param now - Clock in milliseconds.
 */
export function createFileTokenCache(
  directory: string,
  minTtlSeconds: number,
  now: () => number = Date.now,
): FileTokenCache {
  const path = (key: string) => join(directory, `${fileName(key)}.json`);
  const lockPath = (key: string) => join(directory, `${fileName(key)}.lock`);
  const get = async (key: string): Promise<AccessToken | undefined> => {
    const text = await readOwnFile(path(key));
    const entry = text === undefined ? undefined : parse(text, fileName(key), now() / 1000);
    if (entry === undefined) return undefined;
    const reusable = isReusable(
      { ...entry, expiresOn: entry.token.expiresOn },
      minTtlSeconds,
      now() / 1000,
    );
    return reusable ? entry.token : undefined;
  };
  return {
    directory,
    path,
    get,
    async getEntry(key) {
      const token = await get(key);
      return token === undefined
        ? undefined
        : { token, remainingMs: token.expiresOn * 1000 - now() };
    },
    async set(key, token) {
      await privateDirectory(directory);
      const obtainedAt = now();
      const { refreshAt } = scheduleToken(
        token,
        obtainedAt,
        DEFAULT_REFRESH_BUFFER_SECONDS,
        DEFAULT_EXPIRY_MARGIN_SECONDS,
      );
      const name = fileName(key);
      const text = JSON.stringify({
        format: FORMAT,
        key: name,
        token: token.token,
        expiresOn: token.expiresOn,
        refreshAt: refreshAt / 1000,
        obtainedAt: obtainedAt / 1000,
        ...(token.tokenType === undefined ? {} : { tokenType: token.tokenType }),
      });
      await writePrivateFile(path(key), text);
      await sweepTokenFiles(directory, now());
    },
    async acquireRefreshLock(key, leaseMs) {
      await privateDirectory(directory);
      const lock = lockPath(key);
      // `holdMs` is ignored: each run is one person's command, released as it ends.
      for (let attempt = 0; attempt < 2; attempt++) {
        const held = await tryLock(lock);
        if (held !== undefined) return async () => held.release();
        if (!(await takeOverStaleLock(lock, leaseMs, now()))) return undefined;
      }
      return undefined;
    },
  };
}

/** The text of the user's own private file at `path`; undefined when absent or foreign. */
async function readOwnFile(path: string): Promise<string | undefined> {
  try {
    return (await readPrivateFile(path, MAX_BYTES))?.toString("utf8");
  } catch (error) {
    if (error instanceof ForeignFileError) return undefined; // not ours: replaced on the next write
    throw error;
  }
}

/** A file's entry: the validated token, when to stop handing it out, when it was obtained. */
function parse(
  text: string,
  name: string,
  nowSeconds: number,
): { token: AccessToken; refreshAt: number; obtainedAt?: number } | undefined {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (value.format !== FORMAT || value.key !== name) return undefined;
    const { refreshAt, obtainedAt } = value;
    if (typeof refreshAt !== "number" || !Number.isFinite(refreshAt)) return undefined;
    const token = validateAccessToken(value, nowSeconds);
    return typeof obtainedAt === "number" && Number.isFinite(obtainedAt)
      ? { token, refreshAt, obtainedAt }
      : { token, refreshAt };
  } catch {
    // Not JSON, or a token that is malformed or expired: as if there were no file.
    return undefined;
  }
}
