/**
 * One request's timeout, combined with the caller's signal. `reset()` restarts it, so a stream
 * times out when it goes quiet for the timeout, not when it runs long.
 *
 * The caller's signal is followed with a listener removed when the request ends, not with
 * `AbortSignal.any`: on Node 20 that keeps every combined signal alive as long as the caller's
 * (nodejs/node#55351), so one long-lived signal passed to every call leaked memory per call.
 */
export class Deadline {
  /** Aborts when the caller's signal aborts or the timeout passes. */
  readonly signal: AbortSignal;
  #timedOut = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #controller = new AbortController();
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onCallerAbort = () => this.#end(this.#callerSignal?.reason);

  constructor(
    private readonly timeoutMs: number,
    callerSignal: AbortSignal | undefined,
  ) {
    this.signal = this.#controller.signal;
    this.#callerSignal = callerSignal;
    if (callerSignal?.aborted) {
      this.#controller.abort(callerSignal.reason);
      return;
    }
    callerSignal?.addEventListener("abort", this.#onCallerAbort, { once: true });
    this.reset();
  }

  /** Whether the timeout (not the caller) ended the request. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Starts the timeout again from now. */
  reset(): void {
    if (this.signal.aborted) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#end(new Error(`timed out after ${this.timeoutMs} ms`));
    }, this.timeoutMs);
    // The request's own socket keeps the process alive while it runs; this timer must not.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops the timer and stops following the caller's signal; the request is over. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#callerSignal?.removeEventListener("abort", this.#onCallerAbort);
  }

  /** Ends the request now (closes its connection). */
  abort(): void {
    this.#end(undefined);
  }

  #end(reason: unknown): void {
    this.clear();
    this.#controller.abort(reason);
  }
}
