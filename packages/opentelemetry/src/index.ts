export {
  createOpenTelemetryListener,
  type OpenTelemetryListenerOptions,
} from "./create-open-telemetry-listener.js";
export { instrumentHandler } from "./instrument-handler.js";
export { AttributeName, MetricName, TOKEN_SPAN_NAME } from "./telemetry-names.js";
