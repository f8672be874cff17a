import type { Logger } from "../logger.js";
import type { ProxyAuthEvent, ProxyAuthEventListener } from "../proxy-auth-event.js";

/**
 * The listeners of one handler. A listener is called synchronously and never awaited; what it
 * throws (or its promise rejects with) is logged, never passed on: observing a request must not
 * break or delay it. The first failure is a warning, later ones debug lines.
 */
export class EventListeners {
  #listeners: readonly ProxyAuthEventListener[];
  readonly #logger: Logger;
  #warned = false;

  constructor(logger: Logger, listener: ProxyAuthEventListener | undefined) {
    this.#logger = logger;
    this.#listeners = listener === undefined ? [] : [listener];
  }

  /** Adds a listener; the returned function removes it. */
  add(listener: ProxyAuthEventListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((each) => each !== listener);
    };
  }

  /** Gives the event, frozen, to every listener. */
  emit(event: ProxyAuthEvent): void {
    const listeners = this.#listeners;
    if (listeners.length === 0) return;
    Object.freeze(event);
    for (const listener of listeners) {
      try {
        const result: unknown = listener(event);
        if (isThenable(result)) result.then(undefined, (error) => this.#failed(error, event));
      } catch (error) {
        this.#failed(error, event);
      }
    }
  }

  #failed(error: unknown, event: ProxyAuthEvent): void {
    const reason =
      error instanceof Error ? `${error.name}: ${error.message}` : `a thrown ${typeof error}`;
    const message = `An onEvent listener failed on "${event.type}" (${bounded(reason)}); the request went on.`;
    const meta = { scope: event.scope, event: event.type };
    try {
      if (this.#warned) {
        this.#logger.debug?.(message, meta);
      } else {
        this.#warned = true;
        this.#logger.warn(`${message} Further listener failures are logged at debug level.`, meta);
      }
    } catch {
      // A logger that throws has nowhere left to report to; the request must still go on.
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function bounded(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
