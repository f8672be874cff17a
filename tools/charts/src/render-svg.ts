import * as echarts from "echarts";
import { palette } from "./palette.js";

/** The ECharts option of a chart (its type is ECharts' own). */
export type ChartOption = echarts.EChartsOption;

/**
 * Renders an ECharts option to an SVG document with ECharts' server-side SVG renderer: no
 * browser, no canvas. Animation is off and the background is an opaque white card.
 */
export function renderSvg(option: ChartOption, size: { width: number; height: number }): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, ...size });
  try {
    chart.setOption({
      animation: false,
      // An aria-label on the <svg> that describes the chart (title, series, data) for readers
      // who cannot see it.
      aria: { enabled: true },
      backgroundColor: palette.background,
      textStyle: { color: palette.text, fontFamily: "Helvetica, Arial, sans-serif" },
      ...option,
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
