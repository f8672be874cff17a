import type { Attributes } from "@opentelemetry/api";
import {
  type Histogram,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { createOpenTelemetryListener, MetricName } from "@proxy-auth/opentelemetry";

/** Collects when asked: the demo reads its metrics once, at the end. */
class InMemoryReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const reader = new InMemoryReader();
const meter = new MeterProvider({ readers: [reader] }).getMeter("proxy-auth-demo");

/** The OpenTelemetry listener every handler of the demo gets as `onEvent`. */
export const onEvent = createOpenTelemetryListener({ meter });

/** One line from the metrics: grants, failures, 401 replays and the p99 acquisition time. */
export async function metricsSummary(): Promise<string> {
  const { resourceMetrics } = await reader.collect();
  const grants = sum(resourceMetrics, MetricName.TOKEN_ACQUISITIONS, "acquired");
  const failures = sum(resourceMetrics, MetricName.TOKEN_ACQUISITIONS, "failed");
  const replays = sum(resourceMetrics, MetricName.REQUEST_REPLAYS);
  const p99 = quantile(
    points<Histogram>(resourceMetrics, MetricName.TOKEN_ACQUISITION_DURATION),
    0.99,
  );
  const p99Text = p99 === undefined ? "n/a" : `${Math.round(p99 * 1000)} ms`;
  return `Metrics (OpenTelemetry, in-memory reader): ${grants} grants, ${failures} failures, ${replays} replays, p99 acquisition time ${p99Text}.`;
}

function points<T>(
  resourceMetrics: ResourceMetrics,
  name: string,
): { attributes: Attributes; value: T }[] {
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric) => metric.dataPoints as unknown as { attributes: Attributes; value: T }[]),
  );
}

function sum(resourceMetrics: ResourceMetrics, name: string, outcome?: string): number {
  return points<number>(resourceMetrics, name)
    .filter((point) => outcome === undefined || point.attributes["proxy_auth.outcome"] === outcome)
    .reduce((total, point) => total + point.value, 0);
}

/** The q-quantile of histogram points (same buckets), interpolated inside its bucket. */
function quantile(histograms: { value: Histogram }[], q: number): number | undefined {
  const first = histograms[0]?.value;
  if (first === undefined) return undefined;
  const { boundaries } = first.buckets;
  const counts = boundaries.map(() => 0).concat(0);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const { value } of histograms) {
    value.buckets.counts.forEach((count, index) => {
      counts[index] = (counts[index] ?? 0) + count;
    });
    min = Math.min(min, value.min ?? min);
    max = Math.max(max, value.max ?? max);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (const [index, count] of counts.entries()) {
    if (count > 0 && seen + count >= rank) {
      const lower = Math.max(min, boundaries[index - 1] ?? min);
      const upper = Math.min(max, boundaries[index] ?? max);
      return lower + ((rank - seen) / count) * (upper - lower);
    }
    seen += count;
  }
  return max;
}
