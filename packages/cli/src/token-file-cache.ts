import { createHash, randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, open, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { type AccessToken, validateAccessToken } from "@proxy-auth/core";

/** What a cache file holds: the token and when to stop handing it out. Never a secret of the client. */
export interface CachedToken {
  /** The validated token. */
  token: AccessToken;
  /** When to get a new one instead (the token's refresh time), Unix seconds. */
  refreshAt: number;
  /** When the token was obtained, Unix seconds (its lifetime drives the `--min-ttl` rule). */
  obtainedAt?: number | undefined;
}

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

/**
 * Tokens on disk, one file per identity and scope, so separate runs of `proxy-auth token` share
 * one token until its refresh time. The directory is private to the user (0700), each file is
 * written to a temporary name and renamed into place (readers never see half a file) with mode
 * 0600, and the file name is a hash of the identity and scope. A file that cannot be read as
 * ours (corrupt, another format or key, a link, another owner, too large) counts as absent and
 * is replaced on the next write.
 */
export class TokenFileCache {
  /** The directory the files live in. */
  readonly directory: string;
  readonly #now: () => number;

  /**
   * @param directory - Where the files live, e.g. {@link tokenCacheDirectory}.
   * @param now - Clock in milliseconds.
   */
  constructor(directory: string, now: () => number = Date.now) {
    this.directory = directory;
    this.#now = now;
  }

  /** The file name for an identity and scope: a hash, so neither appears in it. */
  static key(identity: string, scope: string): string {
    return createHash("sha256")
      .update(JSON.stringify([identity, scope]))
      .digest("hex");
  }

  /** The path of the file for `key`. */
  path(key: string): string {
    return join(this.directory, `${key}.json`);
  }

  /** The cached token for `key` when there is a usable one of ours, else undefined. */
  async read(key: string): Promise<CachedToken | undefined> {
    const path = this.path(key);
    let text: string;
    try {
      const stat = await lstat(path);
      if (!stat.isFile() || !ownedByMe(stat.uid) || stat.size > MAX_BYTES) return undefined;
      const file = await open(path, "r");
      try {
        const buffer = Buffer.alloc(MAX_BYTES + 1);
        const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
        if (bytesRead > MAX_BYTES) return undefined;
        text = buffer.subarray(0, bytesRead).toString("utf8");
      } finally {
        await file.close();
      }
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return undefined;
      throw error;
    }
    return parse(text, key, this.#now() / 1000);
  }

  /**
   * Stores `entry` under `key`, atomically, readable by the user only.
   *
   * @throws when the directory cannot be made private or the file cannot be written.
   */
  async write(key: string, entry: CachedToken): Promise<void> {
    await this.#privateDirectory();
    const { token, expiresOn, tokenType } = entry.token;
    const text = JSON.stringify({
      format: FORMAT,
      key,
      token,
      expiresOn,
      refreshAt: entry.refreshAt,
      ...(entry.obtainedAt === undefined ? {} : { obtainedAt: entry.obtainedAt }),
      ...(tokenType === undefined ? {} : { tokenType }),
    });
    const temporary = join(this.directory, `.${key}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await writeFile(temporary, text, { mode: 0o600, flag: "wx" });
      await rename(temporary, this.path(key));
    } catch (error) {
      await unlink(temporary).catch(() => {});
      throw error;
    }
  }

  /**
   * Tries to become the one process that gets a new token for `key`, so runs started together
   * make one grant: resolves a release function, or undefined while another live process holds
   * the lock. A lock whose process is gone, or older than `staleMs`, is taken over.
   *
   * @throws when the directory cannot be made private or the lock file cannot be written.
   */
  async lock(key: string, staleMs = 30_000): Promise<(() => Promise<void>) | undefined> {
    await this.#privateDirectory();
    const path = join(this.directory, `${key}.lock`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(path, String(process.pid), { mode: 0o600, flag: "wx" });
        return () => unlink(path).catch(() => {});
      } catch (error) {
        if ((error as { code?: string }).code !== "EEXIST") throw error;
      }
      if (!(await isStaleLock(path, staleMs, this.#now()))) return undefined;
      await unlink(path).catch(() => {});
    }
    return undefined;
  }

  /** Whether the lock for `key` is still there. */
  async locked(key: string): Promise<boolean> {
    return lstat(join(this.directory, `${key}.lock`)).then(
      () => true,
      () => false,
    );
  }

  /** Makes the directory, or checks the existing one is the user's own, and closes it to others. */
  async #privateDirectory(): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const stat = await lstat(this.directory);
    if (!stat.isDirectory() || !ownedByMe(stat.uid)) {
      throw new Error(`${this.directory} is not a directory of this user`);
    }
    if ((stat.mode & 0o077) !== 0) await chmod(this.directory, 0o700);
  }
}

/** A lock left by a process that is gone (or too old to trust its process id). */
async function isStaleLock(path: string, staleMs: number, now: number): Promise<boolean> {
  try {
    const stat = await lstat(path);
    if (now - stat.mtimeMs > staleMs) return true;
    const pid = Number((await readFile(path, "utf8")).slice(0, 16));
    if (!Number.isInteger(pid) || pid <= 0) return true;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // ESRCH: no such process. EPERM: it exists (another user's): not stale.
    return (error as { code?: string }).code !== "EPERM";
  }
}

function parse(text: string, key: string, nowSeconds: number): CachedToken | undefined {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (value.format !== FORMAT || value.key !== key) return undefined;
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
