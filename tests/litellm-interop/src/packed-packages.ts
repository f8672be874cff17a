import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../../", import.meta.url));

/** The packed packages, installed with plain npm outside the workspace (as tests/clean-room does). */
export interface PackedPackages {
  core: typeof import("@proxy-auth/core");
  oauth2: typeof import("@proxy-auth/oauth2");
  client: typeof import("@proxy-auth/client");
  /** Removes the install. */
  remove(): void;
}

/**
 * Packs core, oauth2 and client with `pnpm pack` (workspace ranges become real ones, as
 * publishing does), installs the tarballs with npm into a fresh folder and imports them from
 * there, so the suite runs what a user installs rather than the workspace sources.
 */
export async function installPackedPackages(): Promise<PackedPackages> {
  const room = mkdtempSync(join(tmpdir(), "proxy-auth-litellm-packed-"));
  const tarballs = join(room, "tarballs");
  mkdirSync(tarballs);
  for (const name of ["core", "oauth2", "client"]) {
    await run("pnpm", ["pack", "--pack-destination", tarballs], {
      cwd: join(root, "packages", name),
      encoding: "utf8",
    });
  }
  const app = join(room, "app");
  mkdirSync(app);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "litellm-interop-app", private: true, type: "module" }),
  );
  const files = readdirSync(tarballs).map((file) => join(tarballs, file));
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...files], {
    cwd: app,
    encoding: "utf8",
    timeout: 240_000,
  });
  const resolve = createRequire(join(app, "package.json")).resolve;
  // The ESM entry points of the installed packages (their "import" condition).
  const load = async (name: string) => {
    const cjs = resolve(name);
    return import(pathToFileURL(cjs.replace(/\.cjs$/, ".js")).href);
  };
  return {
    core: await load("@proxy-auth/core"),
    oauth2: await load("@proxy-auth/oauth2"),
    client: await load("@proxy-auth/client"),
    remove: () => rmSync(room, { recursive: true, force: true }),
  };
}
