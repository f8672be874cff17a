import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cachedHeaders } from "./cached-headers.js";
import { checkCharts } from "./check-charts.js";
import { cliForwarder } from "./cli-forwarder.js";
import { coldHerd } from "./cold-herd.js";
import { completionThroughput } from "./completion-throughput.js";
import { dpopCost } from "./dpop-cost.js";
import { fleet } from "./fleet.js";
import { fleetScale } from "./fleet-scale.js";
import { footprint } from "./footprint.js";
import { observabilityOverhead } from "./observability-overhead.js";
import { outage } from "./outage.js";
import { privateKeyJwt } from "./private-key-jwt.js";
import { pythonProxyAuth } from "./python-proxy-auth.js";
import { render, renderTable, type Section } from "./report.js";
import { rotationUnderLoad } from "./rotation-under-load.js";
import { soak } from "./soak.js";

const smoke = process.argv.includes("--smoke");
// Azure's token cycler lets a failed background refresh become an unhandled rejection, which
// would end this process; count them instead, and report the count.
const unhandledRejections: unknown[] = [];
process.on("unhandledRejection", (reason) => unhandledRejections.push(reason));
// `--only=name,name` runs just those sections (a quick look while working on one of them);
// BENCHMARKS.md is written only by a full run.
const only = process.argv
  .find((argument) => argument.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const all: Array<[string, () => Promise<Section>]> = [
  ["cached-headers", () => cachedHeaders(smoke)],
  ["cold-herd", () => coldHerd()],
  ["rotation-under-load", () => rotationUnderLoad(smoke)],
  ["completion-throughput", () => completionThroughput(smoke)],
  ["footprint", () => footprint()],
  ["soak", () => soak(smoke)],
  ["fleet", () => fleet(smoke)],
  ["outage", () => outage(smoke)],
  ["observability-overhead", () => observabilityOverhead(smoke)],
  ["python-proxy-auth", () => pythonProxyAuth(smoke)],
  ["private-key-jwt", () => privateKeyJwt(smoke)],
  ["cli-forwarder", () => cliForwarder(smoke)],
  ["fleet-scale", () => fleetScale(smoke)],
  ["dpop-cost", () => dpopCost(smoke)],
];
const skippedInSmoke = new Set(["footprint"]);
const sections: Section[] = [];
for (const [name, run] of all) {
  if (only ? only.includes(name) : !(smoke && skippedInSmoke.has(name))) sections.push(await run());
}

if (unhandledRejections.length > 0) {
  const describe = (reason: unknown) => {
    const stack = reason instanceof Error ? (reason.stack ?? "") : "";
    const source = stack.includes("tokenCycler")
      ? "@azure/identity's token cycler (a background refresh nobody awaited)"
      : "unattributed";
    return `${source}: ${reason instanceof Error ? reason.message : String(reason)}`;
  };
  sections.push({
    title: "Unhandled rejections during the run",
    description: `${unhandledRejections.length} promise rejection(s) nobody handled. proxy-auth never leaves one (the reliability tests fail on any); each is attributed by its stack.`,
    table: [],
    notes: [...new Set(unhandledRejections.map(describe))].slice(0, 5),
  });
}

// Every run checks its charts against its own counts; a smoke run fails on a bad chart.
const chartProblems = checkCharts(sections);
for (const problem of chartProblems) console.error(`chart: ${problem}`);
if (smoke || only) {
  // A smoke run proves the benchmarks still run; its timings are not published.
  for (const section of sections) console.log(`${section.title}\n${renderTable(section.table)}\n`);
  // Charts of a partial run go to a scratch folder, for a look; only a full run publishes them.
  const scratch = mkdtempSync(join(tmpdir(), "proxy-auth-charts-"));
  const charts = sections.flatMap((section) => section.charts ?? []);
  for (const chart of charts) writeFileSync(join(scratch, chart.file), chart.svg);
  console.log(
    `${charts.length} chart(s) rendered to ${scratch}, ${chartProblems.length} problem(s).`,
  );
  if (chartProblems.length > 0) process.exitCode = 1;
} else {
  const images = fileURLToPath(new URL("../../docs/img/", import.meta.url));
  mkdirSync(images, { recursive: true });
  for (const chart of sections.flatMap((section) => section.charts ?? []))
    writeFileSync(`${images}${chart.file}`, chart.svg);
  const markdown = render(sections, "pnpm bench");
  writeFileSync(fileURLToPath(new URL("../../BENCHMARKS.md", import.meta.url)), markdown);
  console.log(markdown);
}
