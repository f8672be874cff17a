import { systemTimers, type Timers } from "../timers.js";

/**
 * One bound on one wait: a request's timeout combined with the caller's signal, or (with
 * {@link Deadline.race}) a timeout on any promise. Its timer comes from one seam
 * ({@link Timers}), so a test's clock reaches every bound. `reset()` restarts it, so a stream
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
  #timer: unknown;
  readonly #controller = new AbortController();
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onCallerAbort = () => this.#end(this.#callerSignal?.reason);

  readonly #timers: Timers;

  /**
   * @param timeoutMs - How long the wait may take, from now.
   * @param callerSignal - The caller's signal: its abort ends the wait too.
   * @param timers - Where the timer comes from. Default the runtime's (never keeping the process
   *   alive).
   */
  constructor(
    private readonly timeoutMs: number,
    callerSignal?: AbortSignal,
    timers: Timers = systemTimers,
  ) {
    this.#timers = timers;
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
    this.#timers.clear(this.#timer);
    // The request's own socket keeps the process alive while it runs; this timer must not.
    this.#timer = this.#timers.set(() => {
      this.#timedOut = true;
      this.#end(new Error(`timed out after ${this.timeoutMs} ms`));
    }, this.timeoutMs);
  }

  /**
   * Settles like `work`; or, when the timeout passes first, rejects with `onTimeout()`'s value;
   * or, when the caller's signal aborts first, with its reason. The deadline ends with it.
   *
   * @example
   * ```ts
   * import { Deadline } from "@proxy-auth/core/internal";
   *
   * const answer = await new Deadline(5_000).race(fetch("http://127.0.0.1:8080/"), () => new Error("too slow"));
   * ```
   */
  race<T>(work: Promise<T>, onTimeout: () => unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const ended = () => {
        this.clear();
        reject(this.#timedOut ? onTimeout() : this.signal.reason);
      };
      if (this.signal.aborted) return ended();
      this.signal.addEventListener("abort", ended, { once: true });
      work.then(
        (value) => {
          this.signal.removeEventListener("abort", ended);
          this.clear();
          resolve(value);
        },
        (error: unknown) => {
          this.signal.removeEventListener("abort", ended);
          this.clear();
          reject(error);
        },
      );
    });
  }

  /** Stops the timer and stops following the caller's signal; the request is over. */
  clear(): void {
    this.#timers.clear(this.#timer);
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
