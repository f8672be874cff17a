// `pnpm test` of proxy_auth_litellm: installs requirements-dev.txt (hash-locked) into .venv
// (reused while the lock file and the Python version are unchanged), then runs ruff, mypy --strict
// and pytest, and writes the test counts to .vitest-results.json for the repository's summary.
// Without a Python 3.10+ with venv it prints one "skipped" line, unless PROXY_AUTH_REQUIRE_LITELLM=1.

import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { installLocked } from "./python-lock.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const lockFile = join(root, "requirements-dev.txt");
const venv = join(root, ".venv");
const bin = (name) => join(venv, "bin", name);
const resultsFile = join(root, ".vitest-results.json");
const required = process.env.PROXY_AUTH_REQUIRE_LITELLM === "1";
const python = process.env.PROXY_AUTH_PYTHON ?? "python3";

const writeResults = (passed, failed) =>
  writeFileSync(
    resultsFile,
    JSON.stringify({
      numPassedTests: passed,
      numFailedTests: failed,
      numPendingTests: 0,
      numTodoTests: 0,
    }),
  );

const probe = spawnSync(
  python,
  [
    "-c",
    "import sys, venv, ensurepip, platform; print(sys.version_info[0], sys.version_info[1], platform.system().lower(), platform.machine())",
  ],
  { encoding: "utf8" },
);
const [major, minor, system, machine] = probe.stdout?.trim().split(" ") ?? [];
if (
  probe.error ||
  probe.status !== 0 ||
  Number(major) < 3 ||
  (Number(major) === 3 && Number(minor) < 10)
) {
  const reason = `${python} 3.10+ with venv was not found`;
  if (required) {
    console.error(`proxy-auth-litellm: FAILED — ${reason}, and this run requires it.`);
    process.exit(1);
  }
  console.log(`proxy-auth-litellm: skipped — ${reason} (PROXY_AUTH_REQUIRE_LITELLM=1 fails).`);
  writeResults(0, 0);
  process.exit(0);
}
const tag = `cp${major}${minor}-${system}-${machine}`;
const stamp = createHash("sha256").update(readFileSync(lockFile)).update(tag).digest("hex");
const stampFile = join(venv, "requirements.sha256");
if (!existsSync(stampFile) || readFileSync(stampFile, "utf8") !== stamp) {
  rmSync(venv, { recursive: true, force: true });
  execFileSync(python, ["-m", "venv", venv], { stdio: "inherit" });
  installLocked({ venvDir: venv, lockFile, tag });
  writeFileSync(stampFile, stamp);
}

const run = (command, args) =>
  spawnSync(bin(command), args, { cwd: root, stdio: "inherit", timeout: 600_000 }).status === 0;
const junit = join(venv, "pytest-results.xml");
rmSync(junit, { force: true });
const lint =
  run("ruff", ["check", "src", "tests"]) && run("ruff", ["format", "--check", "src", "tests"]);
const types = run("mypy", ["--strict", "src", "tests"]);
const tests = run("python", [
  "-m",
  "pytest",
  "-q",
  "-p",
  "no:cacheprovider",
  `--junitxml=${junit}`,
]);
const report = existsSync(junit) ? readFileSync(junit, "utf8") : "";
const count = (name) =>
  Number(new RegExp(`<testsuite [^>]*\\b${name}="(\\d+)"`).exec(report)?.[1] ?? 0);
const failed = count("failures") + count("errors");
const skipped = count("skipped");
const passed = count("tests") - failed - skipped;
writeFileSync(
  resultsFile,
  JSON.stringify({
    numPassedTests: passed,
    numFailedTests: failed,
    numPendingTests: skipped,
    numTodoTests: 0,
  }),
);
if (!lint) console.error("proxy-auth-litellm: ruff found problems");
if (!types) console.error("proxy-auth-litellm: mypy --strict found problems");
process.exit(lint && types && tests && passed > 0 ? 0 : 1);
