// Runs the suite against the real LiteLLM proxy, once per release (the pinned one and the newest
// installable here), when Python 3.10+ with venv is present; otherwise prints one line saying why
// it was skipped. With PROXY_AUTH_REQUIRE_LITELLM=1 (CI) or
// `--require` (pnpm test:litellm), a missing Python or a failed install is a failure instead.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ensureVenv, findPython, litellmVersion, packageRoot, RELEASES } from "./python-env.mjs";

const required =
  process.argv.includes("--require") || process.env.PROXY_AUTH_REQUIRE_LITELLM === "1";
/** Prints why the suite did not run: a failure when it is required, else one "skipped" line. */
function skip(reason) {
  if (required) {
    console.error(`litellm-interop: FAILED — ${reason}, and this run requires the suite.`);
    process.exit(1);
  }
  console.log(
    `litellm-interop: skipped — ${reason} (PROXY_AUTH_REQUIRE_LITELLM=1 makes this a failure).`,
  );
  // An empty report, so the closing summary knows this package ran nothing on purpose.
  writeFileSync(
    join(packageRoot, ".vitest-results.json"),
    JSON.stringify({ numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0 }),
  );
  process.exit(0);
}

const found = findPython();
if ("reason" in found) skip(found.reason);
for (const release of Object.values(RELEASES)) {
  try {
    ensureVenv(found, console.log, release);
  } catch (error) {
    skip(
      `the ${release.name} Python environment could not be installed (${error.message.split("\n")[0]})`,
    );
  }
}
// The workspace's vitest, found as Node finds packages (also when this runs outside pnpm).
const vitestBin = join(
  dirname(createRequire(import.meta.url).resolve("vitest/package.json")),
  "vitest.mjs",
);
const resultsFile = join(packageRoot, ".vitest-results.json");
const total = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0 };
let status = 0;
// Each release in turn (two proxies at once would not fit the 2-core CI machine).
for (const release of Object.values(RELEASES)) {
  const version = litellmVersion(release);
  console.log(`litellm-interop: litellm ${version} (${release.name}, ${release.requirementsFile})`);
  rmSync(resultsFile, { force: true });
  const started = Date.now();
  const vitest = spawnSync(
    process.execPath,
    [vitestBin, "run", ...process.argv.slice(2).filter((argument) => argument !== "--require")],
    {
      cwd: packageRoot,
      stdio: "inherit",
      env: { ...process.env, PROXY_AUTH_LITELLM_RELEASE: release.name },
    },
  );
  if (vitest.error)
    console.error(`litellm-interop: could not start vitest: ${vitest.error.message}`);
  killLeftProxies();
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (existsSync(resultsFile)) {
    const report = JSON.parse(readFileSync(resultsFile, "utf8"));
    for (const key of Object.keys(total)) total[key] += report[key];
    console.log(
      `litellm-interop: litellm ${version}: ${report.numPassedTests} passed, ${report.numFailedTests} failed in ${seconds} s`,
    );
  } else {
    total.numFailedTests += 1; // no report: count the run as a failure
  }
  if (vitest.status !== 0) status = vitest.status ?? 1;
}
// The closing summary reads one report for the package: both releases' counts added up.
writeFileSync(resultsFile, JSON.stringify(total));
process.exit(status);

/** A test process that was killed could not stop its proxies: end their process groups here. */
function killLeftProxies() {
  const runningFile = join(packageRoot, ".litellm-running");
  if (!existsSync(runningFile)) return;
  for (const pid of readFileSync(runningFile, "utf8").split("\n").filter(Boolean)) {
    try {
      process.kill(-Number(pid), "SIGKILL");
      console.error(`litellm-interop: killed the proxy left running (process group ${pid})`);
    } catch {
      // Already gone.
    }
  }
  rmSync(runningFile, { force: true });
}
