import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { createFileTokenCache, tokenCacheDirectory } from "./file-token-cache.js";

const root = mkdtempSync(join(tmpdir(), "proxy-auth-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const now = 1_700_000_000_000;
const token = { token: "eyJ.a.b", expiresOn: now / 1000 + 3600 };
const KEY = JSON.stringify(["identity", "scope"]);

it("lives in $XDG_CACHE_HOME/proxy-auth, or ~/.cache/proxy-auth when that is unset or relative", () => {
  expect(tokenCacheDirectory({ XDG_CACHE_HOME: "/var/cache/me" })).toBe("/var/cache/me/proxy-auth");
  expect(tokenCacheDirectory({ XDG_CACHE_HOME: "relative" })).toMatch(/\/\.cache\/proxy-auth$/);
  expect(tokenCacheDirectory({})).toMatch(/\/\.cache\/proxy-auth$/);
});

it("a file per key named by its hash, written privately and atomically, read back", async () => {
  const cache = createFileTokenCache(join(root, "a", "proxy-auth"), 300, () => now);
  await cache.set(KEY, token);
  expect(await cache.get(KEY)).toEqual(token);
  expect((await cache.getEntry?.(KEY))?.remainingMs).toBe(3600_000);
  const [name, ...others] = readdirSync(cache.directory);
  expect(others).toEqual([]);
  expect(name).toMatch(/^[0-9a-f]{64}\.json$/);
  expect(cache.path(KEY)).toBe(join(cache.directory, name as string));
  expect(readFileSync(cache.path(KEY), "utf8")).not.toMatch(/identity|scope"/);
  expect(statSync(cache.path(KEY)).mode & 0o777).toBe(0o600);
  expect(statSync(cache.directory).mode & 0o777).toBe(0o700);
  expect(await cache.get(JSON.stringify(["someone else", "scope"]))).toBeUndefined();
});

it("an existing directory open to others is closed to them", async () => {
  const directory = join(root, "open");
  const cache = createFileTokenCache(directory, 300, () => now);
  await cache.set(KEY, token);
  chmodSync(directory, 0o777);
  await cache.set(KEY, token);
  expect(statSync(directory).mode & 0o777).toBe(0o700);
});

it("a link, an expired token or a file of another key counts as absent", async () => {
  const cache = createFileTokenCache(join(root, "b"), 300, () => now);
  await cache.set(KEY, token);
  const target = join(root, "elsewhere.json");
  writeFileSync(target, readFileSync(cache.path(KEY)));
  rmSync(cache.path(KEY));
  symlinkSync(target, cache.path(KEY));
  expect(await cache.get(KEY)).toBeUndefined();
  await cache.set(KEY, token); // replaces the link, not what it points to
  expect(await cache.get(KEY)).toEqual(token);
  const later = createFileTokenCache(cache.directory, 300, () => now + 3601_000);
  expect(await later.get(KEY)).toBeUndefined();
  const other = JSON.stringify(["other", "scope"]);
  writeFileSync(cache.path(other), readFileSync(cache.path(KEY)));
  expect(await cache.get(other)).toBeUndefined();
});

it("hides a token this run must not hand out: past its refresh time, or not outliving --min-ttl", async () => {
  const directory = join(root, "ttl");
  await createFileTokenCache(directory, 300, () => now).set(KEY, token);
  // A one-hour token: refresh time 60 s before expiry; --min-ttl counts up to half its life.
  const at = (seconds: number, minTtl: number) =>
    createFileTokenCache(directory, minTtl, () => now + seconds * 1000).get(KEY);
  expect(await at(2599, 1000)).toEqual(token); // 1001 s left > 1000
  expect(await at(2601, 1000)).toBeUndefined();
  expect(await at(1700, 7200)).toEqual(token); // 1900 s left > half the life (1800)
  expect(await at(1900, 7200)).toBeUndefined();
  expect(await at(3530, 0)).toEqual(token); // before the refresh time (3540)
  expect(await at(3545, 0)).toBeUndefined();
});

it("one refresh lock per key: held by a live process, taken over from a dead one or after its lease", async () => {
  const directory = join(root, "lock");
  let clock = now;
  const cache = createFileTokenCache(directory, 300, () => clock);
  const release = await cache.acquireRefreshLock(KEY, 30_000);
  expect(release).toBeDefined();
  expect(await cache.acquireRefreshLock(KEY, 30_000)).toBeUndefined(); // this process lives
  await release?.();
  const again = await cache.acquireRefreshLock(KEY, 30_000);
  expect(again).toBeDefined();
  // A lock whose process is gone is taken over at once.
  const lock = cache.path(KEY).replace(/\.json$/, ".lock");
  writeFileSync(lock, String(spawnSync(process.execPath, ["-e", "0"]).pid));
  const afterDeath = await cache.acquireRefreshLock(KEY, 30_000);
  expect(afterDeath).toBeDefined();
  // The first holder's release does not remove the lock another holder has now.
  await again?.();
  expect(readdirSync(directory)).toContain(lock.split("/").at(-1));
  // Past its lease, even a live holder's lock is taken over.
  clock = Date.now() + 31_000;
  const afterLease = await cache.acquireRefreshLock(KEY, 30_000);
  expect(afterLease).toBeDefined();
  await afterLease?.();
  expect(readdirSync(directory).filter((name) => name.endsWith(".lock"))).toEqual([]);
});
