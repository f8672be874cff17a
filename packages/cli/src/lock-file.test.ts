import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { removeLockIfStill, staleLockContent, takeOverStaleLock, tryLock } from "./lock-file.js";

const root = mkdtempSync(join(tmpdir(), "proxy-auth-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
/** The id of a process that has exited. */
const deadPid = spawnSync(process.execPath, ["-e", "0"]).pid as number;

it("a lock appears whole (pid and nonce, 0600), one holder at a time, released only by its holder", async () => {
  const path = join(root, "a.lock");
  const held = await tryLock(path);
  expect(readFileSync(path, "utf8")).toMatch(new RegExp(`^${process.pid} [0-9a-f]{16}$`));
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(await tryLock(path)).toBeUndefined();
  expect(await takeOverStaleLock(path, 60_000, Date.now())).toBe(false); // this process lives
  writeFileSync(path, `${process.pid} someone-else`);
  held?.release();
  expect(readFileSync(path, "utf8")).toBe(`${process.pid} someone-else`);
  expect(readdirSync(root)).toEqual(["a.lock"]); // no temporary file left behind
});

it("stale: a dead holder, content that is not a holder's, or older than the lease", async () => {
  const path = join(root, "b.lock");
  for (const content of [`${deadPid} 00`, "", "garbage"]) {
    writeFileSync(path, content);
    expect(await takeOverStaleLock(path, 60_000, Date.now())).toBe(true);
    expect(readdirSync(root)).not.toContain("b.lock");
  }
  writeFileSync(path, `${process.pid} live`);
  expect(await takeOverStaleLock(path, 60_000, Date.now() + 61_000)).toBe(true);
  expect(await takeOverStaleLock(path, 60_000, Date.now())).toBe(false); // gone
});

it("a stale lock is removed only while it is still the one judged stale", async () => {
  // Two processes find the same dead holder's lock; the first takes it over before the second
  // removes it. The second must leave the first's lock alone, or both would hold it.
  const path = join(root, "c.lock");
  writeFileSync(path, `${deadPid} 00`);
  const judgedByFirst = await staleLockContent(path, 60_000, Date.now());
  const judgedBySecond = await staleLockContent(path, 60_000, Date.now());
  expect(judgedBySecond).toBe(`${deadPid} 00`);
  expect(await removeLockIfStill(path, judgedByFirst as string)).toBe(true);
  const first = await tryLock(path);
  const firstContent = readFileSync(path, "utf8");
  expect(await removeLockIfStill(path, judgedBySecond as string)).toBe(false);
  expect(readFileSync(path, "utf8")).toBe(firstContent);
  expect(await tryLock(path)).toBeUndefined();
  first?.release();
  expect(readdirSync(root).filter((name) => name.startsWith("c.lock"))).toEqual([]);
});
