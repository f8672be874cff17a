import { lstat, readFile, unlink, writeFile } from "node:fs/promises";
import { sleep } from "@proxy-auth/core/internal";

/**
 * Runs `work` while holding the lock file `path` (created exclusively, mode 0600, holding the
 * process id), so processes of one person take turns. A lock whose process is gone, or older
 * than `waitMs`, is taken over; waiting longer than `waitMs` fails.
 *
 * @throws when the lock stays held by a live process for more than `waitMs`.
 */
export async function withFileLock<T>(
  path: string,
  waitMs: number,
  work: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, String(process.pid), { mode: 0o600, flag: "wx" });
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
    }
    const state = await lockState(path, waitMs);
    // Released meanwhile: try again. (Unlinking here could remove a lock another process has
    // just taken, and two would refresh at once.)
    if (state === "gone") continue;
    if (state === "stale") {
      await unlink(path).catch(() => {});
      continue;
    }
    if (Date.now() - started > waitMs) {
      throw new Error(`${path} is held by another process for more than ${waitMs} ms`);
    }
    // Another process of this person is refreshing: a short wait, then look again.
    await sleep(Math.min(10 + attempt * 5, 100));
  }
  try {
    return await work();
  } finally {
    await unlink(path).catch(() => {});
  }
}

/** Whether the lock is held, gone, or stale: its process is gone, or it is older than `staleMs`. */
async function lockState(path: string, staleMs: number): Promise<"held" | "gone" | "stale"> {
  try {
    const stat = await lstat(path);
    if (Date.now() - stat.mtimeMs > staleMs) return "stale";
    const pid = Number((await readFile(path, "utf8")).slice(0, 16));
    if (!Number.isInteger(pid) || pid <= 0) return "held"; // being written
    process.kill(pid, 0);
    return "held";
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") return "gone";
    // ESRCH: no such process. EPERM: alive, another user's.
    return code === "ESRCH" ? "stale" : "held";
  }
}
