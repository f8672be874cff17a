import { sleep } from "@proxy-auth/core/internal";
import { takeOverStaleLock, tryLock } from "./lock-file.js";

/**
 * Runs `work` while holding the lock file `path` (see `lock-file.ts`), so processes of one
 * person take turns. A lock whose process is gone, or older than `waitMs`, is taken over;
 * waiting longer than `waitMs` fails.
 *
 * @throws when the lock stays held by a live process for more than `waitMs`.
 */
export async function withFileLock<T>(
  path: string,
  waitMs: number,
  work: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  let held = await tryLock(path);
  for (let attempt = 0; held === undefined; attempt++) {
    if (!(await takeOverStaleLock(path, waitMs, Date.now()))) {
      if (Date.now() - started > waitMs) {
        throw new Error(`${path} is held by another process for more than ${waitMs} ms`);
      }
      // Another process of this person is at work: a short wait, then look again.
      await sleep(Math.min(10 + attempt * 5, 100));
    }
    held = await tryLock(path);
  }
  try {
    return await work();
  } finally {
    held.release();
  }
}
