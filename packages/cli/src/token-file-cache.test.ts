import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { TokenFileCache, tokenCacheDirectory } from "./token-file-cache.js";

const root = mkdtempSync(join(tmpdir(), "proxy-auth-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const now = 1_700_000_000_000;
const entry = {
  token: { token: "eyJ.a.b", expiresOn: now / 1000 + 3600 },
  refreshAt: now / 1000 + 3540,
};

it("lives in $XDG_CACHE_HOME/proxy-auth, or ~/.cache/proxy-auth when that is unset or relative", () => {
  expect(tokenCacheDirectory({ XDG_CACHE_HOME: "/var/cache/me" })).toBe("/var/cache/me/proxy-auth");
  expect(tokenCacheDirectory({ XDG_CACHE_HOME: "relative" })).toMatch(/\/\.cache\/proxy-auth$/);
  expect(tokenCacheDirectory({})).toMatch(/\/\.cache\/proxy-auth$/);
});

it("keys by identity and scope, writes privately and atomically, reads back", async () => {
  const cache = new TokenFileCache(join(root, "a", "proxy-auth"), () => now);
  const key = TokenFileCache.key("identity", "scope");
  expect(key).not.toBe(TokenFileCache.key("identity", "other scope"));
  await cache.write(key, entry);
  expect(await cache.read(key)).toEqual(entry);
  expect(readdirSync(cache.directory)).toEqual([`${key}.json`]);
  expect(statSync(cache.path(key)).mode & 0o777).toBe(0o600);
  expect(statSync(cache.directory).mode & 0o777).toBe(0o700);
  expect(await cache.read(TokenFileCache.key("someone else", "scope"))).toBeUndefined();
});

it("an existing directory open to others is closed to them", async () => {
  const directory = join(root, "open");
  const cache = new TokenFileCache(directory, () => now);
  await cache.write("k", entry);
  const { chmodSync } = await import("node:fs");
  chmodSync(directory, 0o777);
  await cache.write("k", entry);
  expect(statSync(directory).mode & 0o777).toBe(0o700);
});

it("a link, an expired token or a file of another key counts as absent", async () => {
  const cache = new TokenFileCache(join(root, "b"), () => now);
  await cache.write("k", entry);
  const target = join(root, "elsewhere.json");
  writeFileSync(target, "{}");
  rmSync(cache.path("k"));
  symlinkSync(target, cache.path("k"));
  expect(await cache.read("k")).toBeUndefined();
  await cache.write("k", entry); // replaces the link, not what it points to
  expect(await cache.read("k")).toEqual(entry);
  const later = new TokenFileCache(cache.directory, () => now + 3601_000);
  expect(await later.read("k")).toBeUndefined();
});
