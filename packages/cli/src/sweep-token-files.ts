import { constants } from "node:fs";
import { lstat, open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";

/** Cache files (a SHA-256 hex name) and their temporary twins. */
const CACHE_FILE = /^[0-9a-f]{64}\.json$/;
const TEMPORARY_FILE = /^\.[0-9a-f]{64}\.json\.[0-9a-f]+\.tmp$/;
/** A cache file is a few kilobytes; a larger one is not ours and is left alone. */
const MAX_BYTES = 32 * 1024;
/** A temporary file this old was left by a run that died between write and rename. */
const TEMPORARY_AGE_MS = 60 * 60 * 1000;
/** At most this many entries are looked at per sweep: a huge folder does not slow `token` down. */
const MAX_ENTRIES = 512;

/**
 * Removes token cache files whose token has expired, and temporary files an interrupted run
 * left, from `directory` (the user's own regular files only). Best effort: resolves the number
 * removed and never throws (a sweep must not fail `proxy-auth token`).
 *
 * @param now - Clock in milliseconds.
 */
export async function sweepTokenFiles(directory: string, now = Date.now()): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    names = (await readdir(directory)).slice(0, MAX_ENTRIES);
  } catch {
    return 0;
  }
  for (const name of names) {
    const cache = CACHE_FILE.test(name);
    if (!cache && !TEMPORARY_FILE.test(name)) continue;
    const path = join(directory, name);
    try {
      const stat = await lstat(path);
      if (!stat.isFile() || (process.getuid !== undefined && stat.uid !== process.getuid())) {
        continue;
      }
      const stale = cache
        ? stat.size <= MAX_BYTES && (await expiresBefore(path, now / 1000))
        : now - stat.mtimeMs > TEMPORARY_AGE_MS;
      if (stale) {
        await unlink(path);
        removed++;
      }
    } catch {
      // Gone meanwhile, or unreadable: left alone.
    }
  }
  return removed;
}

/** Whether the cache file at `path` holds a token that expired before `nowSeconds`. */
async function expiresBefore(path: string, nowSeconds: number): Promise<boolean> {
  const file = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const buffer = Buffer.alloc(MAX_BYTES);
    const { bytesRead } = await file.read(buffer, 0, MAX_BYTES, 0);
    const { expiresOn } = JSON.parse(buffer.subarray(0, bytesRead).toString("utf8")) as {
      expiresOn?: unknown;
    };
    return typeof expiresOn === "number" && expiresOn < nowSeconds;
  } catch {
    return false;
  } finally {
    await file.close();
  }
}
