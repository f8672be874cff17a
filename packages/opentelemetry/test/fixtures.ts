import type { Attributes } from "@opentelemetry/api";
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/** A reader that collects when asked: no timer, so tests decide when metrics are read. */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** One exported metric point: its attributes and value (a number, or a histogram's count and sum). */
export interface Point {
  attributes: Attributes;
  value: number | { count: number; sum: number | undefined };
}

/** The real OpenTelemetry SDK with an in-memory span exporter and an on-demand metric reader. */
export function startTelemetry() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracer: tracerProvider.getTracer("test"),
    meter: meterProvider.getMeter("test"),
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    /** Every metric by name, each with its data points. */
    async metrics(): Promise<Record<string, Point[]>> {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      const byName: Record<string, Point[]> = {};
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          byName[metric.descriptor.name] = (metric.dataPoints as DataPoint<unknown>[]).map(
            (point) => ({
              attributes: point.attributes,
              value:
                typeof point.value === "number"
                  ? point.value
                  : {
                      count: (point.value as Histogram).count,
                      sum: (point.value as Histogram).sum,
                    },
            }),
          );
        }
      }
      return byName;
    },
    /** Everything exported, as text, for sentinel searches. */
    async exportedText(): Promise<string> {
      const { resourceMetrics } = await reader.collect();
      const spans = exporter.getFinishedSpans().map((span) => ({
        name: span.name,
        attributes: span.attributes,
        status: span.status,
        events: span.events,
        links: span.links,
      }));
      return JSON.stringify({ spans, metrics: resourceMetrics.scopeMetrics });
    },
    async shutdown(): Promise<void> {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** A span's duration in milliseconds. */
export function durationMs(span: ReadableSpan): number {
  return span.duration[0] * 1000 + span.duration[1] / 1e6;
}

/** A clock the test moves by hand, starting at the real time (the identity provider's tokens use it). */
export class TestClock {
  time = Date.now();
  readonly now = () => this.time;
  advance(milliseconds: number): void {
    this.time += milliseconds;
  }
}
