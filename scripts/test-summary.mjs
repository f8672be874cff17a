// Adds up the JSON reports every package's vitest run wrote, and prints one closing line for
// the whole repository ("Tests: N passed, N failed"). Exits non-zero when a report is missing,
// a test failed, a test was skipped, or no test ran at all.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const listing = execFileSync("pnpm", ["-r", "ls", "--depth", "-1", "--json"], { encoding: "utf8" });
const packages = JSON.parse(listing);
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
const problems = [];
for (const pkg of packages) {
  const manifest = JSON.parse(readFileSync(join(pkg.path, "package.json"), "utf8"));
  // The root's own "test" script is this whole run, not a package's tests.
  if (pkg.path === process.cwd() || !manifest.scripts?.test) continue;
  const file = join(pkg.path, ".vitest-results.json");
  if (!existsSync(file)) {
    problems.push(`${pkg.name}: no test report (${file})`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  rows.push(`  ${pkg.name.padEnd(36)} ${String(report.numPassedTests).padStart(5)} passed`);
}
console.log(`Test counts by package:\n${rows.join("\n")}`);
for (const problem of problems) console.error(problem);
if (skipped > 0) problems.push(`${skipped} skipped or todo tests: none may be left behind`);
if (passed === 0) problems.push("no test ran");
console.log(`Tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
