// The one home of the repository's Python supply-chain rules: a lock file lists every package at
// an exact version with the sha256 of the wheel pip chose (CPython 3.11.0 and up, Linux x86_64), and a venv
// is installed from it with --require-hashes --no-deps --only-binary=:all:. Used by this package's
// checks and by tests/litellm-interop's LiteLLM venvs.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The platform the lock files' hashes were taken on (binary wheels differ elsewhere). */
export const LOCKED_FOR = "cp311-linux-x86_64";

/** The interpreters a lock is resolved with (those present): the default, then Debian 12's. */
const LOCKING_PYTHONS = ["python3", "/usr/bin/python3"];

/** Whether `command` is a path that exists or a bare name (left to PATH). */
function existsOrOnPath(command) {
  return !command.includes("/") || existsSync(command);
}

/**
 * Resolves `requirements` (pip requirement strings) in a scratch venv and writes `lockFile`:
 * `header` lines (comments), then each package `name==version` with its `--hash=sha256:…`.
 * `extras` adds extras to a name in the lock (e.g. `{ litellm: "[proxy]" }`).
 */
export function lockRequirements({ requirements, lockFile, header, extras = {} }) {
  const scratch = mkdtempSync(join(tmpdir(), "python-lock-"));
  try {
    // Resolved by each Python 3.11 this kind of machine has (pyenv's 3.11.7 first, Debian 12's
    // 3.11.2 where present), since markers differ: redis needs the async-timeout back-port before
    // 3.11.3. A package both list keeps the first one's version; installs use --no-deps, so a
    // back-port is harmless where it is not needed.
    const byName = new Map();
    for (const [index, python] of LOCKING_PYTHONS.filter(existsOrOnPath).entries()) {
      const venv = join(scratch, `venv-${index}`);
      execFileSync(python, ["-m", "venv", venv], { stdio: "inherit" });
      const report = join(scratch, `report-${index}.json`);
      execFileSync(
        join(venv, "bin", "python"),
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
      for (const entry of JSON.parse(readFileSync(report, "utf8")).install) {
        const name = entry.metadata.name.toLowerCase();
        if (!byName.has(name)) byName.set(name, entry);
      }
    }
    const install = [...byName.values()];
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
