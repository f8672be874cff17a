import { closeSync, openSync, readFileSync, readSync, writeSync } from "node:fs";

/** The environment block is a few kilobytes; a larger one is not read whole. */
const MAX_BLOCK_BYTES = 1024 * 1024;

/**
 * Overwrites with zero bytes the values of `names` in the environment this process was started
 * with, on Linux: `/proc/PID/environ` shows that block to every process of the same user (an
 * `exec` command included) whatever is later deleted from `process.env`, which only drops the
 * pointer to it. The block's place comes from `/proc/self/stat` (`env_start`, `env_end`) and is
 * rewritten through `/proc/self/mem`. Call it once the values have been read.
 *
 * @returns `true` when the block was read (and every value of `names` in it overwritten);
 *   `false` where this cannot be done (not Linux, or `/proc/self/mem` refused).
 */
export function scrubInitialEnvironment(names: readonly string[]): boolean {
  if (process.platform !== "linux") return false;
  let memory: number | undefined;
  try {
    const stat = readFileSync("/proc/self/stat", "latin1");
    // Fields after the command name (which may hold spaces), from field 3: env_start is 50.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = Number(fields[47]);
    const end = Number(fields[48]);
    if (!Number.isSafeInteger(start) || !(end > start) || end - start > MAX_BLOCK_BYTES) {
      return false;
    }
    memory = openSync("/proc/self/mem", "r+");
    const block = Buffer.alloc(end - start);
    readSync(memory, block, 0, block.length, start);
    const wanted = new Set(names);
    let offset = 0;
    for (const entry of block.toString("latin1").split("\0")) {
      const equals = entry.indexOf("=");
      const length = entry.length - equals - 1;
      if (equals > 0 && length > 0 && wanted.has(entry.slice(0, equals))) {
        writeSync(memory, Buffer.alloc(length), 0, length, start + offset + equals + 1);
      }
      offset += entry.length + 1;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (memory !== undefined) closeSync(memory);
  }
}
