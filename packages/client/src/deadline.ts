/**
 * One request's timeout, combined with the caller's signal. `reset()` restarts it, so a stream
 * times out when it goes quiet for the timeout, not when it runs long.
 */
export class Deadline {
  /** Aborts when the caller's signal aborts or the timeout passes. */
  readonly signal: AbortSignal;
  #timedOut = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #controller = new AbortController();

  constructor(
    private readonly timeoutMs: number,
    callerSignal: AbortSignal | undefined,
  ) {
    this.signal = callerSignal
      ? AbortSignal.any([callerSignal, this.#controller.signal])
      : this.#controller.signal;
    this.reset();
  }

  /** Whether the timeout (not the caller) ended the request. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Starts the timeout again from now. */
  reset(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new Error(`timed out after ${this.timeoutMs} ms`));
    }, this.timeoutMs);
  }

  /** Stops the timer; the request is over. */
  clear(): void {
    clearTimeout(this.#timer);
  }

  /** Ends the request now (closes its connection). */
  abort(): void {
    this.clear();
    this.#controller.abort();
  }
}
