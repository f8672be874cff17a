import { lifecycleChart, lifecycleColors, renderSvg, type TimelineRun } from "@proxy-auth/charts";
import type { Chart } from "./report.js";

/** A token lifecycle chart of runs measured side by side, with the marks it must hold. */
export function lifecycleSection(
  runs: TimelineRun[],
  subtitle: string,
  file = "token-lifecycle.svg",
  title = "Token lifecycle under load",
): Chart {
  const { option, width, height } = lifecycleChart(runs, title, subtitle);
  const svg = renderSvg(option, { width, height });
  const grants = runs.reduce((sum, run) => sum + run.grants.length, 0);
  return {
    file,
    alt: `${title}: ${subtitle}`,
    svg,
    // One tick per grant, plus the legend's symbol.
    expectedMarks: [{ what: "grant ticks", color: lifecycleColors.grant, count: grants + 1 }],
  };
}
