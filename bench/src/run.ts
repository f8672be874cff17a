import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cachedHeaders } from "./cached-headers.js";
import { coldHerd } from "./cold-herd.js";
import { completionThroughput } from "./completion-throughput.js";
import { render, renderTable, type Section } from "./report.js";

const smoke = process.argv.includes("--smoke");
const sections: Section[] = [
  await cachedHeaders(smoke),
  await coldHerd(),
  await completionThroughput(smoke),
];

if (smoke) {
  // A smoke run proves the benchmarks still run; its timings are not published.
  for (const section of sections) console.log(`${section.title}\n${renderTable(section.table)}\n`);
} else {
  const markdown = render(sections, "pnpm bench");
  writeFileSync(fileURLToPath(new URL("../../BENCHMARKS.md", import.meta.url)), markdown);
  console.log(markdown);
}
