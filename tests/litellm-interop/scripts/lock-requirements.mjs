// Rewrites a release's lock file: litellm[proxy] at the version given and everything it pulls
// in, each at an exact version with the sha256 of the file pip chose (Python 3.11, Linux x86_64).
// Usage: node scripts/lock-requirements.mjs pinned|newest <version>
//   pinned → python/requirements.txt (the benchmarks' release), newest → python/requirements-newest.txt

import { readFileSync } from "node:fs";
import { lockRequirements } from "@proxy-auth/litellm-integration/python-lock";
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
const header = readFileSync(requirementsFile, "utf8")
  .split("\n")
  .filter((line) => line.startsWith("#"))
  .map((line) => line.replace(/litellm \d+\.\d+\.\d+/, `litellm ${version}`));
const count = lockRequirements({
  requirements: [`litellm[proxy]==${version}`],
  lockFile: requirementsFile,
  header,
  extras: { litellm: "[proxy]" },
});
console.log(`${requirementsFile}: ${count} packages, litellm ${version}`);
