import { palette, waitBands } from "./palette.js";
import type { ChartOption } from "./render-svg.js";
import type { TimelineRequest, TimelineRun } from "./timeline-run.js";

/** The most request dots one panel draws; the rest are sampled (every slow one is kept). */
export const MAX_DOTS_PER_RUN = 1500;
const STRIP_HEIGHT = 56;
const SCATTER_HEIGHT = 150;
const PANEL_GAP = 64;
const TOP = 84;
const GRANT_LANE = 0.5;

/** The colours that identify each kind of mark (tests count marks by colour). */
export const lifecycleColors = {
  lifetime: palette.sky,
  buffer: palette.blue,
  grant: palette.black,
} as const;

/**
 * Token lifecycle timeline: for each run a strip of token lifetimes (the refresh window shaded
 * darker) with a tick per grant, and below it every request as a dot at its header wait,
 * coloured by that wait. Runs share the time axis, so a refresh-ahead handler and a blocking
 * one can be compared at a glance.
 */
export function lifecycleChart(
  runs: TimelineRun[],
  title: string,
  subtitle: string,
): { option: ChartOption; width: number; height: number } {
  // Loops, not Math.max(...spread): a long run has more requests than the call stack has room.
  let end = 1;
  let slowest = 1000; // decades up to the slowest wait (at least 1 s): a hang stays on the chart
  for (const run of runs) {
    for (const token of run.tokens) end = Math.max(end, token.expiresAt);
    for (const request of run.requests) {
      end = Math.max(end, request.at);
      slowest = Math.max(slowest, request.waitMs);
    }
  }
  const waitCeiling = 10 ** Math.ceil(Math.log10(slowest));
  const grids: object[] = [];
  const xAxes: object[] = [];
  const yAxes: object[] = [];
  const series: object[] = [];
  let top = TOP;
  runs.forEach((run, index) => {
    const strip = grids.length;
    grids.push({ left: 90, right: 190, top, height: STRIP_HEIGHT });
    grids.push({ left: 90, right: 190, top: top + STRIP_HEIGHT + 8, height: SCATTER_HEIGHT });
    top += STRIP_HEIGHT + 8 + SCATTER_HEIGHT + PANEL_GAP;
    const last = index === runs.length - 1;
    for (const gridIndex of [strip, strip + 1]) {
      xAxes.push({
        gridIndex,
        type: "value",
        min: 0,
        max: Math.ceil(end),
        name: gridIndex === strip + 1 ? "time since start (s)" : "",
        nameLocation: "middle",
        nameGap: 26,
        axisLabel: { show: gridIndex === strip + 1 },
        splitLine: { show: false },
      });
    }
    yAxes.push({
      gridIndex: strip,
      type: "value",
      min: 0,
      max: 3,
      name: run.label,
      nameLocation: "end",
      nameTextStyle: { fontWeight: "bold", align: "left", padding: [0, 0, 4, -80] },
      axisLabel: {
        formatter: (value: number) => (value === 0 ? "grants" : value === 2 ? "tokens" : ""),
      },
      interval: 1,
      splitLine: { show: false },
    });
    yAxes.push({
      gridIndex: strip + 1,
      type: "log",
      min: 0.01,
      max: waitCeiling,
      name: "header wait (ms)",
      nameLocation: "middle",
      nameGap: 52,
    });
    const lane = (tokenIndex: number) => (tokenIndex % 2 === 0 ? 1.5 : 2.5);
    series.push(
      {
        name: "token lifetime",
        type: "lines",
        coordinateSystem: "cartesian2d",
        xAxisIndex: strip,
        yAxisIndex: strip,
        lineStyle: { color: lifecycleColors.lifetime, width: 12, opacity: 1 },
        data: run.tokens.map((token, tokenIndex) => ({
          coords: [
            [token.obtainedAt, lane(tokenIndex)],
            [token.expiresAt, lane(tokenIndex)],
          ],
        })),
      },
      {
        name: "refresh window",
        type: "lines",
        coordinateSystem: "cartesian2d",
        xAxisIndex: strip,
        yAxisIndex: strip,
        lineStyle: { color: lifecycleColors.buffer, width: 12, opacity: 1 },
        data: run.tokens.map((token, tokenIndex) => ({
          coords: [
            [Math.max(token.obtainedAt, token.refreshAt), lane(tokenIndex)],
            [token.expiresAt, lane(tokenIndex)],
          ],
        })),
      },
      {
        name: "grant",
        type: "scatter",
        xAxisIndex: strip,
        yAxisIndex: strip,
        symbol: "rect",
        symbolSize: [3, 18],
        itemStyle: { color: lifecycleColors.grant },
        data: run.grants.map((at) => [at, GRANT_LANE]),
      },
      {
        name: `requests ${index}`,
        type: "scatter",
        xAxisIndex: strip + 1,
        yAxisIndex: strip + 1,
        symbolSize: 4,
        data: sampleRequests(run.requests).map((request) => [
          request.at,
          Math.max(0.01, request.waitMs),
        ]),
      },
    );
    if (last) top -= PANEL_GAP;
  });
  const requestSeries = runs.map((_, index) => `requests ${index}`);
  return {
    width: 1000,
    height: top + 50,
    option: {
      title: { text: title, subtext: subtitle, left: 10, top: 6 },
      legend: {
        data: ["token lifetime", "refresh window", "grant"],
        right: 10,
        top: TOP,
        orient: "vertical",
      },
      grid: grids,
      xAxis: xAxes,
      yAxis: yAxes,
      visualMap: {
        type: "piecewise",
        seriesIndex: requestSeries.map((_, index) => index * 4 + 3),
        dimension: 1,
        pieces: waitBands.map((band) => ({ ...band })),
        right: 10,
        top: TOP + 110,
        text: ["request dots: header wait"],
        showLabel: true,
        textStyle: { color: palette.text },
      },
      series,
    } as ChartOption,
  };
}

/** At most {@link MAX_DOTS_PER_RUN} requests: every wait of 10 ms or more, and an even sample of the rest. */
export function sampleRequests(requests: TimelineRequest[]): TimelineRequest[] {
  if (requests.length <= MAX_DOTS_PER_RUN) return requests;
  const slow = requests.filter((request) => request.waitMs >= 10);
  const fast = requests.filter((request) => request.waitMs < 10);
  const room = Math.max(0, MAX_DOTS_PER_RUN - slow.length);
  const stride = fast.length / Math.max(1, room);
  const sampled = Array.from(
    { length: Math.min(room, fast.length) },
    (_, index) => fast[Math.floor(index * stride)] as TimelineRequest,
  );
  return [...slow.slice(0, MAX_DOTS_PER_RUN), ...sampled].sort((a, b) => a.at - b.at);
}
