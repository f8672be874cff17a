import { ConfigurationError, type ProxyAuthHandler } from "@proxy-auth/core";
import {
  createOpenTelemetryListener,
  type OpenTelemetryListenerOptions,
} from "./create-open-telemetry-listener.js";

/**
 * Records OpenTelemetry spans and metrics for a handler made elsewhere: subscribes
 * {@link createOpenTelemetryListener} to it and returns the same handler. Clients built on the
 * handler (`@proxy-auth/client`) report through it too. Instrument a handler once: each call
 * adds another listener.
 *
 * @example
 * ```ts
 * litellm.proxyAuth = instrumentHandler(new ProxyAuthHandler({ credential, scope }));
 * ```
 *
 * @throws ConfigurationError (from `@proxy-auth/core`) when `handler` is not a ProxyAuthHandler with `subscribe()`.
 */
export function instrumentHandler(
  handler: ProxyAuthHandler,
  options?: OpenTelemetryListenerOptions,
): ProxyAuthHandler {
  if (typeof (handler as Partial<ProxyAuthHandler> | null)?.subscribe !== "function") {
    throw new ConfigurationError(
      "instrumentHandler() needs a ProxyAuthHandler from @proxy-auth/core with subscribe() (upgrade @proxy-auth/core).",
    );
  }
  handler.subscribe(createOpenTelemetryListener(options));
  return handler;
}
