// The API report of every published package (@microsoft/api-extractor, as the Azure SDK commits
// `review/*.api.md`): what a user can import, written out, so a change of surface shows in review.
//
//   node scripts/api-report.mjs           check: fails when a built package's surface differs
//                                         from its committed packages/<name>/review/<name>.api.md
//   node scripts/api-report.mjs --update  rewrite the reports from the builds
//   pnpm api:update / pnpm api:check      the same, after building every package
//
// It reads each package's built declarations (dist/index.d.ts): build first (`pnpm build`).
// Only the public entry point is reported; `@proxy-auth/core/internal` is not public API.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Extractor, ExtractorConfig } from "@microsoft/api-extractor";

const update = process.argv.includes("--update");
const root = resolve(import.meta.dirname, "..");
const temporary = mkdtempSync(join(tmpdir(), "api-report-"));
const changed = [];
const failed = [];

try {
  for (const folder of readdirSync(join(root, "packages")).sort()) {
    const projectFolder = join(root, "packages", folder);
    const packageJson = join(projectFolder, "package.json");
    if (!existsSync(packageJson)) continue;
    const manifest = JSON.parse(readFileSync(packageJson, "utf8"));
    if (manifest.private) continue;
    const entry = join(projectFolder, "dist", "index.d.ts");
    if (!existsSync(entry)) {
      failed.push(`${manifest.name}: ${entry} is missing; run pnpm build first.`);
      continue;
    }
    if (update) mkdirSync(join(projectFolder, "review"), { recursive: true });
    const config = ExtractorConfig.prepare({
      configObjectFullPath: join(projectFolder, "api-extractor.json"),
      packageJsonFullPath: packageJson,
      configObject: {
        projectFolder,
        mainEntryPointFilePath: entry,
        compiler: {
          overrideTsconfig: {
            compilerOptions: {
              target: "es2022",
              module: "nodenext",
              moduleResolution: "nodenext",
              lib: ["es2023", "dom"],
              types: ["node"],
              skipLibCheck: true,
              strict: true,
            },
          },
        },
        apiReport: {
          enabled: true,
          reportFolder: join(projectFolder, "review"),
          reportTempFolder: temporary,
          reportFileName: folder,
        },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        newlineKind: "lf",
        messages: {
          compilerMessageReporting: { default: { logLevel: "warning" } },
          // Release tags (@public, @beta) are not used: every export is public.
          extractorMessageReporting: {
            default: { logLevel: "warning" },
            "ae-missing-release-tag": { logLevel: "none" },
            // Documentation is typedoc's check (warnings as errors), which reads the sources.
            "ae-undocumented": { logLevel: "none" },
            "ae-unresolved-link": { logLevel: "none" },
          },
          // TSDoc is checked by typedoc (warnings as errors), not twice.
          tsdocMessageReporting: { default: { logLevel: "none" } },
        },
      },
    });
    let problems = 0;
    const result = Extractor.invoke(config, {
      localBuild: update,
      messageCallback: (message) => {
        // Report changes are summed up below, once, with what to do.
        if (message.messageId.startsWith("console-api-report")) {
          message.handled = true;
        } else if (message.logLevel === "error" || message.logLevel === "warning") {
          problems++;
        }
      },
    });
    if (result.apiReportChanged) {
      changed.push(`${manifest.name} (packages/${folder}/review/${folder}.api.md)`);
    }
    if (problems > 0) failed.push(`${manifest.name}: ${problems} problems (above)`);
  }
} finally {
  rmSync(temporary, { recursive: true, force: true });
}

if (failed.length > 0) {
  console.error(`API report failed:\n  ${failed.join("\n  ")}`);
  process.exit(1);
}
if (changed.length > 0 && !update) {
  console.error(
    `The public API changed in:\n  ${changed.join("\n  ")}\n` +
      "If the change is meant, run `pnpm api:update` (it builds, then writes them) and commit the reports; " +
      "the diff of review/*.api.md is the change of surface reviewers read.",
  );
  process.exit(1);
}
console.log(
  update
    ? `API reports written${changed.length ? `: ${changed.join(", ")}` : " (no change)"}.`
    : "API reports match the builds.",
);
