import { lifecycleChart, lifecycleColors, renderSvg, type TimelineRun } from "@proxy-auth/charts";
import type { Chart } from "./report.js";

/** The token lifecycle chart of the rotation benchmark's runs, with the marks it must hold. */
export function lifecycleSection(runs: TimelineRun[], subtitle: string): Chart {
  const { option, width, height } = lifecycleChart(runs, "Token lifecycle under load", subtitle);
  const svg = renderSvg(option, { width, height });
  const grants = runs.reduce((sum, run) => sum + run.grants.length, 0);
  return {
    file: "token-lifecycle.svg",
    alt: `Token lifecycle under load: ${subtitle}`,
    svg,
    // One tick per grant, plus the legend's symbol.
    expectedMarks: [{ what: "grant ticks", color: lifecycleColors.grant, count: grants + 1 }],
  };
}
