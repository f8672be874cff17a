import { palette } from "./palette.js";
import type { ChartOption } from "./render-svg.js";

/** The colour of the cached-path chart's bars. */
export const barColor = palette.blue;

/** Cached path: nanoseconds per awaited call, one bar per implementation, fastest first. */
export function cachedPathChart(
  rows: Array<{ label: string; nanoseconds: number }>,
  title: string,
  subtitle: string,
): { option: ChartOption; width: number; height: number } {
  const sorted = [...rows].sort((a, b) => b.nanoseconds - a.nanoseconds);
  return {
    width: 900,
    height: 120 + sorted.length * 46,
    option: {
      title: { text: title, subtext: subtitle, left: 10, top: 6 },
      grid: { left: 330, right: 90, top: 76, bottom: 50 },
      xAxis: {
        type: "value",
        name: "median time per call (ns)",
        nameLocation: "middle",
        nameGap: 30,
      },
      yAxis: { type: "category", data: sorted.map((row) => row.label) },
      series: [
        {
          name: "ns per call",
          type: "bar",
          itemStyle: { color: barColor },
          label: { show: true, position: "right", formatter: "{c} ns", color: palette.text },
          data: sorted.map((row) => Math.round(row.nanoseconds * 10) / 10),
        },
      ],
    } as ChartOption,
  };
}
