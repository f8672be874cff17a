import { palette } from "./palette.js";
import type { ChartOption } from "./render-svg.js";

/** Cumulative grants of a fleet over time: one line per configuration. */
export interface FleetGrantsSeries {
  /** e.g. "20 processes, shared Redis cache". */
  label: string;
  /** [seconds since the window opened, grants so far] samples. */
  points: Array<[number, number]>;
}

/** The colours of the fleet chart's lines, in series order. */
export const fleetColors = [palette.blue, palette.vermillion, palette.green, palette.orange];

/**
 * Fleet: the identity provider's grants over time, cumulative, for the same fleet with and
 * without the shared cache.
 */
export function fleetChart(
  series: FleetGrantsSeries[],
  title: string,
  subtitle: string,
): { option: ChartOption; width: number; height: number } {
  return {
    width: 900,
    height: 420,
    option: {
      title: { text: title, subtext: subtitle, left: 10, top: 6 },
      legend: { top: 64, left: 90 },
      grid: { left: 90, right: 30, top: 110, bottom: 60 },
      xAxis: {
        type: "value",
        name: "time in the measured window (s)",
        nameLocation: "middle",
        nameGap: 30,
      },
      yAxis: { type: "value", name: "grants so far", nameLocation: "middle", nameGap: 50 },
      series: series.map((entry, index) => ({
        name: entry.label,
        type: "line",
        step: "end",
        showSymbol: false,
        lineStyle: { width: 3, color: fleetColors[index % fleetColors.length] },
        itemStyle: { color: fleetColors[index % fleetColors.length] },
        data: entry.points,
      })),
    } as ChartOption,
  };
}
