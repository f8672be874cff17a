import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { chmod, link, lstat, mkdir, open, rename, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * A file that is not this user's private file: a link, another owner, readable by others, or
 * larger than it may be. It never carries the file's content.
 */
export class ForeignFileError extends Error {
  override readonly name = "ForeignFileError";
}

/**
 * Makes `directory` (mode 0700), or checks the existing one is a directory of this user (not a
 * link) and closes it to others.
 *
 * @throws when it is not this user's directory.
 */
export async function privateDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const stat = await lstat(directory);
  if (!stat.isDirectory() || !ownedByMe(stat.uid)) {
    throw new Error(`${directory} is not a directory of this user`);
  }
  if ((stat.mode & 0o077) !== 0) await chmod(directory, 0o700);
}

/**
 * The bytes of `path` when it is a regular file of this user (not a link), readable by no one
 * else, and at most `maxBytes` long; `undefined` when there is none.
 *
 * @throws {@link ForeignFileError} when the file exists but is not such a file (a link, another
 *   owner, group or world access, too large): nothing is read from a file someone else could
 *   have planted.
 */
export async function readPrivateFile(path: string, maxBytes: number): Promise<Buffer | undefined> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    // O_NOFOLLOW: a link is refused, not followed; O_NONBLOCK: a pipe does not hang the open.
    file = await open(
      path,
      constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0),
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw notPrivate(path);
    throw error;
  }
  try {
    // The rules are checked on the file opened, not on the path: a file swapped in between a
    // check of the path and the open (by someone who can write to a parent directory) is caught.
    const stat = await file.stat();
    if (!stat.isFile() || !ownedByMe(stat.uid) || (stat.mode & 0o077) !== 0) throw notPrivate(path);
    if (stat.size > maxBytes) {
      throw new ForeignFileError(`${path} is larger than ${maxBytes} bytes`);
    }
    const buffer = Buffer.alloc(maxBytes + 1);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    if (bytesRead > maxBytes) {
      throw new ForeignFileError(`${path} is larger than ${maxBytes} bytes`);
    }
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function notPrivate(path: string): ForeignFileError {
  return new ForeignFileError(
    `${path} is not a private file of this user (a link, another owner, or readable by others)`,
  );
}

/** A new temporary name beside `path`: `.<name>.<random>.tmp`. */
function temporaryBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(8).toString("hex")}.tmp`);
}

/**
 * Writes `data` to `path` atomically with mode 0600: to a new temporary file in the same
 * directory, then renamed into place, so a reader sees the old file or the new one, never half.
 */
export async function writePrivateFile(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = temporaryBeside(path);
  try {
    await writeFile(temporary, data, { mode: 0o600, flag: "wx" });
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

/**
 * Creates `path` with `data` (mode 0600) only if it does not exist, whole in one step: written
 * under a temporary name, then linked into place (which fails when `path` exists). Of several
 * processes creating it at once, one wins, and nobody sees it empty or half written.
 *
 * @returns whether this call created it (`false`: it existed).
 */
export async function createPrivateFile(path: string, data: string | Uint8Array): Promise<boolean> {
  const temporary = temporaryBeside(path);
  await writeFile(temporary, data, { mode: 0o600, flag: "wx" });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => {});
  }
}

/** Where the platform has owners (not Windows), the file must be the user's own. */
export function ownedByMe(uid: number): boolean {
  return process.getuid === undefined || uid === process.getuid();
}
