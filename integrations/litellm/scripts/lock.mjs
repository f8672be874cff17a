// Rewrites requirements-dev.txt: the check tools (pytest, mypy, ruff) and the module's runtime
// dependency (PyJWT with cryptography), each at an exact version with the sha256 of the wheel pip
// chose for CPython 3.11 on Linux x86_64. Usage: node scripts/lock.mjs

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const TOP_LEVEL = ["pyjwt[crypto]==2.12.0", "pytest==8.4.2", "mypy==1.18.2", "ruff==0.14.0"];
const lockFile = fileURLToPath(new URL("../requirements-dev.txt", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "proxy-auth-litellm-lock-"));
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
      ...TOP_LEVEL,
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
    .map(({ name, version, sha256 }) => `${name}==${version} \\\n    --hash=sha256:${sha256}`);
  const header = [
    "# The check tools of proxy_auth_litellm (pytest, mypy --strict, ruff) and its runtime dependency",
    "# (PyJWT with cryptography), each at an exact version with its sha256: pip installs them with",
    "# --require-hashes (CPython 3.11, Linux x86_64). Regenerate with: node scripts/lock.mjs",
  ];
  writeFileSync(lockFile, `${header.join("\n")}\n\n${lines.join("\n")}\n`);
  console.log(`${lockFile}: ${lines.length} packages`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
