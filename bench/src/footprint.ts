import { execFile } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import type { Section } from "./report.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
const packages = ["core", "oauth2", "azure", "client"];

/**
 * Benchmark 5: footprint. Each package's ESM build minified and gzipped, alone (its
 * dependencies external) and with its dependencies bundled for Node; and what `npm install`
 * puts on disk for core + oauth2 and core + azure, beside @azure/identity alone and the openai
 * package.
 */
export async function footprint(): Promise<Section> {
  const rows: string[][] = [];
  for (const name of packages) {
    const directory = join(root, "packages", name);
    const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    const alone = await minGzip(
      join(directory, "dist/index.js"),
      Object.keys(manifest.dependencies ?? {}),
    );
    const bundled = await minGzip(join(directory, "dist/index.js"), ["@azure/identity"]);
    rows.push([
      `@proxy-auth/${name}`,
      kib(alone),
      name === "azure" ? `${kib(bundled)} (+ @azure/identity, loaded lazily)` : kib(bundled),
    ]);
  }

  const room = mkdtempSync(join(tmpdir(), "proxy-auth-footprint-"));
  try {
    const tarballs = join(room, "tarballs");
    mkdirSync(tarballs);
    for (const name of packages)
      await run("pnpm", ["pack", "--pack-destination", tarballs], {
        cwd: join(root, "packages", name),
      });
    const tarball = (name: string) =>
      join(
        tarballs,
        readdirSync(tarballs).find((file) => file.startsWith(`proxy-auth-${name}-`)) as string,
      );
    const installs: [string, string[]][] = [
      ["@proxy-auth/core + @proxy-auth/oauth2", [tarball("core"), tarball("oauth2")]],
      ["@proxy-auth/core + @proxy-auth/azure", [tarball("core"), tarball("azure")]],
      ["@azure/identity alone (anchor)", ["@azure/identity@^4.14.1"]],
      ["openai alone (anchor)", ["openai@^6.49.0"]],
    ];
    const installed: string[][] = [];
    for (const [label, specs] of installs) {
      const app = join(room, String(installed.length));
      mkdirSync(app);
      writeFileSync(
        join(app, "package.json"),
        JSON.stringify({ name: "footprint", private: true }),
      );
      await run(
        "npm",
        ["install", "--no-audit", "--no-fund", "--loglevel=error", "--omit=peer", ...specs],
        { cwd: app, timeout: 300_000 },
      );
      const modules = join(app, "node_modules");
      installed.push([label, kib(directorySize(modules)), String(countPackages(modules))]);
    }
    return {
      title: "5. Footprint",
      description:
        "Bundled: the ESM build minified and gzipped by esbuild, alone (dependencies external) and with its dependencies bundled for Node. Installed: what `npm install` puts in node_modules (sizes of files).",
      table: [
        ["package", "min+gzip alone", "min+gzip with dependencies"],
        ...rows,
        ["**installed**", "**node_modules size**", "**packages**"],
        ...installed,
      ],
      notes: [],
    };
  } finally {
    rmSync(room, { recursive: true, force: true });
  }
}

async function minGzip(entry: string, external: string[]): Promise<number> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    write: false,
    platform: "node",
    format: "esm",
    external,
    logLevel: "silent",
  });
  return gzipSync(result.outputFiles[0]?.contents ?? new Uint8Array()).length;
}

function directorySize(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += directorySize(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

function countPackages(modules: string): number {
  let count = 0;
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    if (entry.name.startsWith("@")) count += readdirSync(join(modules, entry.name)).length;
    else count++;
  }
  return count;
}

const kib = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
