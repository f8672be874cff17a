import { describe, expect, it } from "vitest";
import { barColor, cachedPathChart } from "./cached-path-chart.js";
import { fleetChart, fleetColors } from "./fleet-chart.js";
import {
  lifecycleChart,
  lifecycleColors,
  MAX_DOTS_PER_RUN,
  sampleRequests,
} from "./lifecycle-chart.js";
import { outageChart, outageColors } from "./outage-chart.js";
import { renderSvg } from "./render-svg.js";
import { countMarks, isSvgDocument } from "./svg-marks.js";
import type { TimelineRun } from "./timeline-run.js";

const run = (label: string, rotations: number): TimelineRun => ({
  label,
  tokens: Array.from({ length: rotations }, (_, index) => ({
    obtainedAt: index * 2,
    refreshAt: index * 2 + 2,
    expiresAt: index * 2 + 4,
  })),
  grants: Array.from({ length: rotations }, (_, index) => index * 2),
  requests: Array.from({ length: 200 }, (_, index) => ({
    at: index / 20,
    waitMs: index % 50 === 0 ? 400 : 0.05,
  })),
});

describe("charts", () => {
  it("draws a grant tick per grant on the lifecycle timeline, for every run", () => {
    for (const rotations of [3, 7]) {
      const chart = lifecycleChart([run("ours", rotations), run("blocking", rotations)], "t", "s");
      const svg = renderSvg(chart.option, chart);
      expect(isSvgDocument(svg)).toBe(true);
      // Two runs' ticks, and the legend's symbol.
      expect(countMarks(svg, lifecycleColors.grant)).toBe(2 * rotations + 1);
      expect(svg).toContain("header wait (ms)");
      expect(svg).toContain("time since start (s)");
    }
  });

  it("draws a long run (more requests than the call stack could spread)", () => {
    const long = run("ours", 3);
    long.requests = Array.from({ length: 300_000 }, (_, index) => ({
      at: index / 30_000,
      waitMs: 0.1,
    }));
    const chart = lifecycleChart([long], "t", "s");
    expect(isSvgDocument(renderSvg(chart.option, chart))).toBe(true);
  });

  it("keeps every slow request and at most MAX_DOTS_PER_RUN dots", () => {
    const requests = Array.from({ length: 20_000 }, (_, index) => ({
      at: index / 1000,
      waitMs: index % 100 === 0 ? 400 : 0.1,
    }));
    const sampled = sampleRequests(requests);
    expect(sampled.length).toBe(MAX_DOTS_PER_RUN);
    expect(sampled.filter((request) => request.waitMs >= 10)).toHaveLength(200);
    expect(sampled.map((request) => request.at)).toEqual(
      [...sampled.map((request) => request.at)].sort((a, b) => a - b),
    );
  });

  it("draws one bar per implementation on the cached-path chart", () => {
    const rows = [
      { label: "floor", nanoseconds: 96 },
      { label: "proxy-auth", nanoseconds: 137 },
      { label: "azure", nanoseconds: 1480 },
    ];
    const chart = cachedPathChart(rows, "t", "s");
    const svg = renderSvg(chart.option, chart);
    expect(isSvgDocument(svg)).toBe(true);
    expect(countMarks(svg, barColor)).toBe(3);
    expect(svg).toContain("1480 ns");
  });

  it("draws a line and a legend entry per fleet configuration", () => {
    const chart = fleetChart(
      [
        {
          label: "shared",
          points: [
            [0, 0],
            [4, 1],
            [8, 2],
          ],
        },
        {
          label: "alone",
          points: [
            [0, 0],
            [4, 20],
            [8, 40],
          ],
        },
      ],
      "t",
      "s",
    );
    const svg = renderSvg(chart.option, chart);
    expect(isSvgDocument(svg)).toBe(true);
    for (const color of fleetColors.slice(0, 2)) expect(countMarks(svg, color, "stroke")).toBe(3);
    expect(countMarks(svg, fleetColors[2] as string, "stroke")).toBe(0);
  });

  it("stacks served and rejected bars per bin on the outage chart", () => {
    const bins = Array.from({ length: 12 }, (_, index) => ({
      at: index / 2,
      served: index < 6 ? 10 : 0,
      rejected: index < 6 ? 0 : 10,
    }));
    const chart = outageChart(
      bins,
      { downAt: 1, upAt: 5, tokenExpiredAt: 3, binSeconds: 0.5 },
      "t",
      "s",
    );
    const svg = renderSvg(chart.option, chart);
    expect(isSvgDocument(svg)).toBe(true);
    expect(countMarks(svg, outageColors.served)).toBe(bins.length + 1);
    expect(countMarks(svg, outageColors.rejected)).toBe(bins.length + 1);
    expect(svg).toContain("identity provider down");
    expect(svg).toContain("cached token expires");
  });

  it("refuses text that is not an SVG document", () => {
    expect(isSvgDocument("<svg xmlns='http://www.w3.org/2000/svg'><g></svg>")).toBe(false);
    expect(isSvgDocument("<html></html>")).toBe(false);
  });
});
