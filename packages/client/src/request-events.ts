import {
  ProxyAuthError,
  type ProxyAuthHandler,
  type ProxyAuthRequestEvent,
  type RequestOperation,
} from "@proxy-auth/core";

/** What one call tells its handler's listeners about. */
export interface RequestEventsOptions {
  handler: ProxyAuthHandler;
  operation: RequestOperation;
  /** The requested model (the request's own `model` field). */
  model: string;
  stream: boolean;
  /** The URL the call goes to (only its host and port are reported). */
  url: string;
  now: () => number;
}

/**
 * Reports one `completion()` / `embedding()` call's request events (replay, retries, fallback,
 * the finished call) through its handler's {@link ProxyAuthHandler.emit}, so a listener given to
 * the handler sees them too. Events carry no request content, no token and no key.
 */
export class RequestEvents {
  readonly #options: RequestEventsOptions;
  readonly #startedAt: number;
  #resends = 0;

  constructor(options: RequestEventsOptions) {
    this.#options = options;
    this.#startedAt = options.now();
  }

  /** The proxy refused the token with 401; the request goes once more with a fresh token. */
  replayed(): void {
    this.#resends++;
    this.#emit({
      type: "request.replayed",
      scope: this.#scope,
      operation: this.#options.operation,
    });
  }

  /** A transient failure: the request is sent again after `delayMs` (`status` absent without a response). */
  retried(status: number | undefined, attempt: number, delayMs: number): void {
    this.#resends++;
    this.#emit({
      type: "request.retried",
      scope: this.#scope,
      operation: this.#options.operation,
      ...(status === undefined || status === 0 ? {} : { status }),
      attempt,
      delayMs,
    });
  }

  /** No token ("warn" mode): the request goes with the static key, or without Authorization. */
  fallback(fallback: "api-key" | "none", error: unknown): void {
    this.#emit({
      type: "request.fallback",
      scope: this.#scope,
      operation: this.#options.operation,
      fallback,
      code: errorCode(error),
    });
  }

  /** The call ended: with a response status, or with an error. */
  finished(outcome: { status: number } | { error: unknown }): void {
    const { operation, model, stream, url, now } = this.#options;
    const address = new URL(url);
    const status =
      "status" in outcome ? outcome.status : (outcome.error as { status?: unknown }).status;
    this.#emit({
      type: "request.finished",
      scope: this.#scope,
      operation,
      model,
      stream,
      serverAddress: address.hostname,
      serverPort: Number(address.port) || (address.protocol === "https:" ? 443 : 80),
      ...(typeof status === "number" && status > 0 ? { status } : {}),
      ...("error" in outcome ? { code: errorCode(outcome.error) } : {}),
      resendCount: this.#resends,
      durationMs: now() - this.#startedAt,
    });
  }

  get #scope(): string {
    return this.#options.handler.scope;
  }

  #emit(event: ProxyAuthRequestEvent): void {
    emitRequestEvent(this.#options.handler, event);
  }
}

/** Reports a request event to the handler's listeners. */
export function emitRequestEvent(handler: ProxyAuthHandler, event: ProxyAuthRequestEvent): void {
  // A handler from an older core has no emit(): its clients report nothing.
  if (typeof handler.emit === "function") handler.emit(event);
}

/** A ProxyAuthError's code, else the error's name ("AbortError", "TimeoutError"): never its message. */
export function errorCode(error: unknown): string {
  if (ProxyAuthError.isInstance(error)) return error.code;
  if (error instanceof Error) return error.name;
  return typeof error;
}
