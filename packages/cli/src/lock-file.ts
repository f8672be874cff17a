import { randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, lstat, readFile, rename, unlink } from "node:fs/promises";
import { createPrivateFile } from "./private-file.js";

/** A lock file this process holds. */
export interface HeldLock {
  /** Removes the lock, if it is still this holder's (one taken over after it went stale is not). */
  release(): void;
}

/**
 * Takes the lock file `path` if nobody holds it: the file appears with its whole content
 * (`"<pid> <nonce>"`, mode 0600) in one step ({@link createPrivateFile}), so nobody ever sees a
 * lock that is still empty.
 *
 * @returns the hold, or `undefined` when the lock exists (see {@link takeOverStaleLock}).
 */
export async function tryLock(path: string): Promise<HeldLock | undefined> {
  const mine = `${process.pid} ${randomBytes(8).toString("hex")}`;
  if (!(await createPrivateFile(path, mine))) return undefined;
  return {
    // Synchronous: a command may exit right after its work, before a promise would settle.
    release() {
      try {
        if (readFileSync(path, "utf8") === mine) unlinkSync(path);
      } catch {
        // Gone already.
      }
    },
  };
}

/**
 * Removes the lock file `path` when it is stale: its process is gone, its content is not a
 * holder's, or it is older than `staleMs`. Two processes may find one lock stale at once; the
 * one that is later to remove it must not remove the lock the other has taken meanwhile, so only
 * the very lock judged stale is removed ({@link removeLockIfStill}).
 *
 * @param now - Clock in milliseconds.
 * @returns whether a stale lock was removed (the caller then tries {@link tryLock} again).
 */
export async function takeOverStaleLock(
  path: string,
  staleMs: number,
  now: number,
): Promise<boolean> {
  const judged = await staleLockContent(path, staleMs, now);
  return judged !== undefined && (await removeLockIfStill(path, judged));
}

/**
 * Removes the lock file `path` if its content is still `judged`: it is first moved aside, and
 * when the one moved turns out to be another (a newer holder's), it is put back.
 *
 * @returns whether the lock judged is gone.
 */
export async function removeLockIfStill(path: string, judged: string): Promise<boolean> {
  const aside = `${path}.${randomBytes(8).toString("hex")}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return true; // removed meanwhile
    throw error;
  }
  try {
    if ((await readFile(aside, "utf8")) === judged) return true;
    // A newer holder's lock: back in place, unless yet another process holds one by now.
    await link(aside, path).catch((error: { code?: string }) => {
      if (error.code !== "EEXIST") throw error;
    });
    return false;
  } finally {
    await unlink(aside).catch(() => {});
  }
}

/**
 * The content of the lock at `path` when it is stale (see {@link takeOverStaleLock});
 * `undefined` when it is held or gone.
 */
export async function staleLockContent(
  path: string,
  staleMs: number,
  now: number,
): Promise<string | undefined> {
  let content: string;
  try {
    const stat = await lstat(path);
    content = await readFile(path, "utf8");
    if (now - stat.mtimeMs > staleMs) return content;
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw error;
  }
  const pid = Number(content.split(" ")[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return content;
  try {
    process.kill(pid, 0);
    return undefined;
  } catch (error) {
    // ESRCH: no such process. EPERM: it exists (another user's): held.
    return (error as { code?: string }).code === "EPERM" ? undefined : content;
  }
}
