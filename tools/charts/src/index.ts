export { barColor, cachedPathChart } from "./cached-path-chart.js";
export { type FleetGrantsSeries, fleetChart, fleetColors } from "./fleet-chart.js";
export {
  lifecycleChart,
  lifecycleColors,
  MAX_DOTS_PER_RUN,
  sampleRequests,
} from "./lifecycle-chart.js";
export { type OutageBin, outageChart, outageColors } from "./outage-chart.js";
export { palette, waitBands } from "./palette.js";
export { type ChartOption, renderSvg } from "./render-svg.js";
export { countMarks, isSvgDocument } from "./svg-marks.js";
export type { TimelineRequest, TimelineRun, TimelineToken } from "./timeline-run.js";
