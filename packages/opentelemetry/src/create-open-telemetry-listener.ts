import {
  type Attributes,
  type Meter,
  metrics,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import {
  ConfigurationError,
  type ProxyAuthEvent,
  type ProxyAuthEventListener,
  type RequestFinishedEvent,
} from "@proxy-auth/core";
import { AttributeName as A, MetricName, TOKEN_SPAN_NAME } from "./telemetry-names.js";

/** Options of {@link createOpenTelemetryListener} and {@link instrumentHandler}. */
export interface OpenTelemetryListenerOptions {
  /** Where spans go. Default: the global tracer provider's `@proxy-auth/opentelemetry` tracer. */
  tracer?: Tracer;
  /** Where metrics go. Default: the global meter provider's `@proxy-auth/opentelemetry` meter. */
  meter?: Meter;
  /**
   * Clock in milliseconds for span end times and the remaining-lifetime gauge. Default
   * `Date.now`; give the handler's clock when the handler has an injected one.
   */
  now?: () => number;
}

const INSTRUMENTATION_SCOPE = "@proxy-auth/opentelemetry";

/** Token grants take milliseconds to seconds; timeouts end at tens of seconds. */
const ACQUISITION_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30,
];

/** The buckets the GenAI semantic conventions advise for `gen_ai.client.operation.duration`. */
const GEN_AI_DURATION_BUCKETS_SECONDS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/**
 * A listener for a handler's `onEvent` that records OpenTelemetry spans and metrics: one span
 * per token acquisition attempt (its duration is the identity provider's latency), counters of
 * grants, failures, invalidations, 401 replays, retries and fallbacks, histograms of
 * acquisition time and of client call time, a gauge of the served token's remaining lifetime,
 * and a GenAI client span for every `completion()` / `embedding()` call. Names and attributes:
 * see the package README. Nothing recorded carries a token, a secret or request content.
 *
 * Spans are recorded when the event arrives, with their start time set back by the event's
 * duration: they are children of the context active at that moment, and cannot be parents.
 *
 * @example
 * ```ts
 * import { metrics, trace } from "@opentelemetry/api";
 *
 * const handler = new ProxyAuthHandler({
 *   credential,
 *   scope: "litellm_proxy_api",
 *   onEvent: createOpenTelemetryListener({ tracer: trace.getTracer("my-app"), meter: metrics.getMeter("my-app") }),
 * });
 * ```
 */
export function createOpenTelemetryListener(
  options: OpenTelemetryListenerOptions = {},
): ProxyAuthEventListener {
  const { tracer, meter, now } = resolve(options);
  const acquisitions = meter.createCounter(MetricName.TOKEN_ACQUISITIONS, {
    description: "Token acquisition attempts, by outcome (acquired or failed).",
    unit: "{acquisition}",
  });
  const acquisitionDuration = meter.createHistogram(MetricName.TOKEN_ACQUISITION_DURATION, {
    description: "Duration of one token acquisition attempt: the identity provider's latency.",
    unit: "s",
    advice: { explicitBucketBoundaries: ACQUISITION_BUCKETS_SECONDS },
  });
  const invalidations = meter.createCounter(MetricName.TOKEN_INVALIDATIONS, {
    description: "Cached tokens dropped by invalidate(), as after a proxy's 401.",
    unit: "{invalidation}",
  });
  const replays = meter.createCounter(MetricName.REQUEST_REPLAYS, {
    description: "Requests sent once more with a fresh token after the proxy answered 401.",
    unit: "{request}",
  });
  const retries = meter.createCounter(MetricName.REQUEST_RETRIES, {
    description: "Requests sent again after a transient failure (408, 429, 5xx, network error).",
    unit: "{retry}",
  });
  const fallbacks = meter.createCounter(MetricName.REQUEST_FALLBACKS, {
    description:
      "Requests sent with the static key or without Authorization: no token could be had.",
    unit: "{request}",
  });
  const operationDuration = meter.createHistogram(MetricName.GEN_AI_CLIENT_OPERATION_DURATION, {
    description: "GenAI operation duration.",
    unit: "s",
    advice: { explicitBucketBoundaries: GEN_AI_DURATION_BUCKETS_SECONDS },
  });
  // The expiry of the token each scope serves; gone once invalidated.
  const served = new Map<string, number>();
  meter
    .createObservableGauge(MetricName.TOKEN_REMAINING_LIFETIME, {
      description: "Seconds the served token has left (0 once expired and not yet replaced).",
      unit: "s",
    })
    .addCallback((result) => {
      const seconds = now() / 1000;
      for (const [scope, expiresOn] of served) {
        result.observe(Math.max(0, expiresOn - seconds), { [A.SCOPE]: scope });
      }
    });

  /** A span of a finished piece of work: it ends now and began `durationMs` ago. */
  const record = (
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    durationMs: number,
    errorType?: string,
  ) => {
    const end = now();
    const span = tracer.startSpan(name, { kind, attributes, startTime: end - durationMs });
    if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    span.end(end);
  };

  return (event: ProxyAuthEvent) => {
    switch (event.type) {
      case "token.acquired": {
        served.set(event.scope, event.expiresOn);
        const attributes = {
          [A.SCOPE]: event.scope,
          [A.OUTCOME]: "acquired",
          [A.TOKEN_SOURCE]: event.source,
        };
        acquisitions.add(1, attributes);
        acquisitionDuration.record(event.durationMs / 1000, attributes);
        record(
          TOKEN_SPAN_NAME,
          SpanKind.INTERNAL,
          { ...attributes, [A.ATTEMPT]: event.attempt, [A.TOKEN_EXPIRES_ON]: event.expiresOn },
          event.durationMs,
        );
        return;
      }
      case "token.failed": {
        const attributes = {
          [A.SCOPE]: event.scope,
          [A.OUTCOME]: "failed",
          [A.ERROR_TYPE]: event.code,
          [A.SERVING_CACHED]: event.servingCached,
        };
        acquisitions.add(1, attributes);
        acquisitionDuration.record(event.durationMs / 1000, attributes);
        record(
          TOKEN_SPAN_NAME,
          SpanKind.INTERNAL,
          {
            ...attributes,
            [A.ATTEMPT]: event.attempt,
            [A.RETRYABLE]: event.retryable,
            ...(event.status === undefined ? {} : { [A.HTTP_RESPONSE_STATUS_CODE]: event.status }),
          },
          event.durationMs,
          event.code,
        );
        return;
      }
      case "token.invalidated":
        served.delete(event.scope);
        invalidations.add(1, { [A.SCOPE]: event.scope });
        return;
      case "request.replayed":
        replays.add(1, withOperation(event.scope, event.operation));
        return;
      case "request.retried":
        retries.add(1, {
          ...withOperation(event.scope, event.operation),
          ...(event.status === undefined ? {} : { [A.HTTP_RESPONSE_STATUS_CODE]: event.status }),
        });
        return;
      case "request.fallback":
        fallbacks.add(1, {
          ...withOperation(event.scope, event.operation),
          [A.FALLBACK]: event.fallback,
          [A.ERROR_TYPE]: event.code,
        });
        return;
      case "request.finished": {
        const errorType = requestErrorType(event);
        const common = {
          [A.GEN_AI_OPERATION_NAME]: event.operation,
          [A.GEN_AI_REQUEST_MODEL]: event.model,
          [A.SERVER_ADDRESS]: event.serverAddress,
          [A.SERVER_PORT]: event.serverPort,
          ...(errorType === undefined ? {} : { [A.ERROR_TYPE]: errorType }),
        };
        operationDuration.record(event.durationMs / 1000, common);
        record(
          `${event.operation} ${event.model}`,
          SpanKind.CLIENT,
          {
            ...common,
            [A.SCOPE]: event.scope,
            [A.STREAM]: event.stream,
            ...(event.status === undefined ? {} : { [A.HTTP_RESPONSE_STATUS_CODE]: event.status }),
            ...(event.resendCount > 0 ? { [A.HTTP_REQUEST_RESEND_COUNT]: event.resendCount } : {}),
          },
          event.durationMs,
          errorType,
        );
        return;
      }
      default:
        // An event type from a newer core: not recorded.
        return;
    }
  };
}

function withOperation(scope: string, operation: string | undefined): Attributes {
  return operation === undefined
    ? { [A.SCOPE]: scope }
    : { [A.SCOPE]: scope, [A.GEN_AI_OPERATION_NAME]: operation };
}

/** As the HTTP conventions say: the status code for an HTTP error, else the error's code. */
function requestErrorType(event: RequestFinishedEvent): string | undefined {
  if (event.status !== undefined && event.status >= 400) return String(event.status);
  return event.code;
}

function resolve(options: OpenTelemetryListenerOptions): Required<OpenTelemetryListenerOptions> {
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError(
      "createOpenTelemetryListener: options must be an object ({ tracer, meter }).",
    );
  }
  const { tracer, meter, now } = options;
  if (tracer !== undefined && typeof tracer?.startSpan !== "function") {
    throw new ConfigurationError(
      'createOpenTelemetryListener: "tracer" must be an OpenTelemetry Tracer (trace.getTracer(name)).',
    );
  }
  if (meter !== undefined && typeof meter?.createCounter !== "function") {
    throw new ConfigurationError(
      'createOpenTelemetryListener: "meter" must be an OpenTelemetry Meter (metrics.getMeter(name)).',
    );
  }
  if (now !== undefined && typeof now !== "function") {
    throw new ConfigurationError('createOpenTelemetryListener: "now" must be a function.');
  }
  return {
    tracer: tracer ?? trace.getTracer(INSTRUMENTATION_SCOPE),
    meter: meter ?? metrics.getMeter(INSTRUMENTATION_SCOPE),
    now: now ?? Date.now,
  };
}
