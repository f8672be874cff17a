import { createHash, randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { chmod, lstat, mkdir, open, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { type AccessToken, type TokenCache, validateAccessToken } from "@proxy-auth/core";
import {
  DEFAULT_EXPIRY_MARGIN_SECONDS,
  DEFAULT_REFRESH_BUFFER_SECONDS,
  scheduleToken,
} from "@proxy-auth/core/internal";
import { isReusable } from "./min-ttl-rule.js";
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
  const privateDirectory = async () => {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const stat = await lstat(directory);
    if (!stat.isDirectory() || !ownedByMe(stat.uid)) {
      throw new Error(`${directory} is not a directory of this user`);
    }
    if ((stat.mode & 0o077) !== 0) await chmod(directory, 0o700);
  };
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
      await privateDirectory();
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
      const temporary = join(directory, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
      try {
        await writeFile(temporary, text, { mode: 0o600, flag: "wx" });
        await rename(temporary, path(key));
      } catch (error) {
        await unlink(temporary).catch(() => {});
        throw error;
      }
      await sweepTokenFiles(directory, now());
    },
    async acquireRefreshLock(key, leaseMs) {
      await privateDirectory();
      const lock = lockPath(key);
      const mine = `${process.pid} ${randomBytes(8).toString("hex")}`;
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await writeFile(lock, mine, { mode: 0o600, flag: "wx" });
          // Released at once, synchronously: the handler does not wait for a release, and a run
          // exits right after printing. Only our own lock (one taken over after our lease
          // lapsed is another's now); `holdMs` is ignored (each run is one person's command).
          return async () => {
            try {
              if (readFileSync(lock, "utf8") === mine) unlinkSync(lock);
            } catch {
              // Gone already.
            }
          };
        } catch (error) {
          if ((error as { code?: string }).code !== "EEXIST") throw error;
        }
        if (!(await isStaleLock(lock, leaseMs, now()))) return undefined;
        await unlink(lock).catch(() => {});
      }
      return undefined;
    },
  };
}

/** The user's own regular file at `path`, at most {@link MAX_BYTES}; undefined otherwise. */
async function readOwnFile(path: string): Promise<string | undefined> {
  try {
    const stat = await lstat(path);
    if (!stat.isFile() || !ownedByMe(stat.uid) || stat.size > MAX_BYTES) return undefined;
    const file = await open(path, "r");
    try {
      const buffer = Buffer.alloc(MAX_BYTES + 1);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      return bytesRead > MAX_BYTES ? undefined : buffer.subarray(0, bytesRead).toString("utf8");
    } finally {
      await file.close();
    }
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * A lock left by a process that is gone, or older than its lease (`leaseMs`: the handler asks
 * for one that covers a whole credential call), so a crashed run never blocks the next.
 */
async function isStaleLock(path: string, leaseMs: number, now: number): Promise<boolean> {
  try {
    const stat = await lstat(path);
    if (now - stat.mtimeMs > leaseMs) return true;
    const pid = Number((await readFile(path, "utf8")).split(" ")[0]?.slice(0, 16));
    if (!Number.isInteger(pid) || pid <= 0) return true;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // ESRCH: no such process. EPERM: it exists (another user's): not stale.
    return (error as { code?: string }).code !== "EPERM";
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

/** Where the platform has owners (not Windows), the file must be the user's own. */
function ownedByMe(uid: number): boolean {
  return process.getuid === undefined || uid === process.getuid();
}
