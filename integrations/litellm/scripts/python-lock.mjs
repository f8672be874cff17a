// The one home of the repository's Python supply-chain rules: a lock file lists every package at
// an exact version with the sha256 of the wheel pip chose (CPython 3.11, Linux x86_64), and a venv
// is installed from it with --require-hashes --no-deps --only-binary=:all:. Used by this package's
// checks and by tests/litellm-interop's LiteLLM venvs.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The platform the lock files' hashes were taken on (binary wheels differ elsewhere). */
export const LOCKED_FOR = "cp311-linux-x86_64";

/**
 * Resolves `requirements` (pip requirement strings) in a scratch venv and writes `lockFile`:
 * `header` lines (comments), then each package `name==version` with its `--hash=sha256:…`.
 * `extras` adds extras to a name in the lock (e.g. `{ litellm: "[proxy]" }`).
 */
export function lockRequirements({ requirements, lockFile, header, extras = {} }) {
  const scratch = mkdtempSync(join(tmpdir(), "python-lock-"));
  try {
    execFileSync("python3", ["-m", "venv", join(scratch, "venv")], { stdio: "inherit" });
    const report = join(scratch, "report.json");
    execFileSync(
      join(scratch, "venv", "bin", "python"),
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--dry-run",
        "--ignore-installed",
        "--only-binary=:all:",
        "--report",
        report,
        ...requirements,
      ],
      { stdio: "inherit" },
    );
    const { install } = JSON.parse(readFileSync(report, "utf8"));
    const lines = install
      .map(({ metadata, download_info }) => ({
        name: metadata.name.toLowerCase(),
        version: metadata.version,
        sha256: download_info.archive_info.hashes.sha256,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(
        ({ name, version, sha256 }) =>
          `${name}${extras[name] ?? ""}==${version} \\\n    --hash=sha256:${sha256}`,
      );
    writeFileSync(lockFile, `${header.join("\n")}\n\n${lines.join("\n")}\n`);
    return lines.length;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Installs `lockFile` into the existing venv at `venvDir`: with its hashes when `tag` (e.g.
 * `cp311-linux-x86_64`) is {@link LOCKED_FOR}, else the same exact versions without hashes.
 */
export function installLocked({ venvDir, lockFile, tag, log = console.log }) {
  let file = lockFile;
  const hashed = tag === LOCKED_FOR;
  if (!hashed) {
    log(`Python ${tag} is not ${LOCKED_FOR}: installing exact versions without hashes`);
    file = join(venvDir, "requirements-unhashed.txt");
    writeFileSync(
      file,
      readFileSync(lockFile, "utf8")
        .replace(/ \\\n\s+--hash=\S+/g, "")
        .replace(/^#.*\n/gm, ""),
    );
  }
  execFileSync(
    join(venvDir, "bin", "python"),
    [
      "-m",
      "pip",
      "install",
      // -qq: errors only (this machine's pip config adds local indexes it warns about per package).
      "-qq",
      "--disable-pip-version-check",
      "--no-deps",
      "--only-binary=:all:",
      ...(hashed ? ["--require-hashes"] : []),
      "-r",
      file,
    ],
    { stdio: ["ignore", "inherit", "inherit"], timeout: 600_000 },
  );
}
