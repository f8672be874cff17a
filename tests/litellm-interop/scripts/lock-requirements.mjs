// Rewrites a release's lock file: litellm[proxy] at the version given and everything it pulls
// in, each at an exact version with the sha256 of the file pip chose (Python 3.11, Linux x86_64).
// Usage: node scripts/lock-requirements.mjs pinned|newest <version>
//   pinned → python/requirements.txt (the benchmarks' release), newest → python/requirements-newest.txt

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RELEASES } from "./python-env.mjs";

const [releaseName, version] = process.argv.slice(2);
const release = RELEASES[releaseName];
if (release === undefined || version === undefined || !/^\d+\.\d+\.\d+$/.test(version)) {
  console.error("usage: node scripts/lock-requirements.mjs pinned|newest <version, e.g. 1.108.7>");
  process.exit(1);
}
const { requirementsFile } = release;
// Those two releases on PyPI were compromised (a credential stealer): never install them.
if (version === "1.82.7" || version === "1.82.8") {
  console.error(`litellm ${version} was a compromised release: refusing it.`);
  process.exit(1);
}
const scratch = mkdtempSync(join(tmpdir(), "litellm-lock-"));
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
      `litellm[proxy]==${version}`,
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
    .map(({ name, version, sha256 }) => {
      const extra = name === "litellm" ? "[proxy]" : "";
      return `${name}${extra}==${version} \\\n    --hash=sha256:${sha256}`;
    });
  const header = readFileSync(requirementsFile, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("#"))
    .map((line) => line.replace(/litellm \d+\.\d+\.\d+/, `litellm ${version}`));
  writeFileSync(requirementsFile, `${header.join("\n")}\n\n${lines.join("\n")}\n`);
  console.log(`${requirementsFile}: ${lines.length} packages, litellm ${version}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
