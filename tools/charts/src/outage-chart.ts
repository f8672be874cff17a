import { palette } from "./palette.js";
import type { ChartOption } from "./render-svg.js";

/** Requests per time bin during an identity-provider outage. */
export interface OutageBin {
  /** Start of the bin, seconds since the run began. */
  at: number;
  served: number;
  rejected: number;
}

/** The colours of served and rejected requests. */
export const outageColors = { served: palette.green, rejected: palette.vermillion } as const;

/**
 * Outage: requests served and rejected per time bin, with the provider's outage shaded and the
 * moment the cached token expired marked.
 */
export function outageChart(
  bins: OutageBin[],
  marks: { downAt: number; upAt: number; tokenExpiredAt: number; binSeconds: number },
  title: string,
  subtitle: string,
): { option: ChartOption; width: number; height: number } {
  const label = (at: number) => at.toFixed(1);
  return {
    width: 900,
    height: 440,
    option: {
      title: { text: title, subtext: subtitle, left: 10, top: 6 },
      legend: { top: 64, left: 90, data: ["served", "rejected (401)"] },
      grid: { left: 90, right: 30, top: 110, bottom: 60 },
      xAxis: {
        type: "category",
        data: bins.map((bin) => label(bin.at)),
        name: `time since start (s), ${marks.binSeconds * 1000} ms bins`,
        nameLocation: "middle",
        nameGap: 30,
      },
      yAxis: { type: "value", name: "requests per bin", nameLocation: "middle", nameGap: 50 },
      series: [
        {
          name: "served",
          type: "bar",
          stack: "requests",
          itemStyle: { color: outageColors.served },
          data: bins.map((bin) => bin.served),
          markArea: {
            silent: true,
            itemStyle: { color: palette.grey, opacity: 0.18 },
            label: {
              show: true,
              position: "insideTop",
              formatter: "identity provider down",
              color: palette.text,
            },
            data: [
              [
                { xAxis: label(nearest(bins, marks.downAt)) },
                { xAxis: label(nearest(bins, marks.upAt)) },
              ],
            ],
          },
          markLine: {
            silent: true,
            symbol: "none",
            lineStyle: { color: palette.black, type: "dashed" },
            label: { formatter: "cached token expires", color: palette.text },
            data: [{ xAxis: label(nearest(bins, marks.tokenExpiredAt)) }],
          },
        },
        {
          name: "rejected (401)",
          type: "bar",
          stack: "requests",
          itemStyle: { color: outageColors.rejected },
          data: bins.map((bin) => bin.rejected),
        },
      ],
    } as ChartOption,
  };
}

function nearest(bins: OutageBin[], at: number): number {
  let best = bins[0]?.at ?? 0;
  for (const bin of bins) if (Math.abs(bin.at - at) < Math.abs(best - at)) best = bin.at;
  return best;
}
