/**
 * The one seam through which proxy-auth's waits start their timers: the runtime's own by
 * default; a test gives one driven by its injected clock, so every bound (a credential call's
 * timeout, a caller's `maxTokenWaitMs`, a cache operation's timeout) runs on that clock.
 */
export interface Timers {
  /** Calls `callback` after `milliseconds`; the handle cancels it. */
  set(callback: () => void, milliseconds: number): unknown;
  /** Cancels a timer that `set` started (a handle of a timer that already ran is ignored). */
  clear(handle: unknown): void;
}

/**
 * The runtime's timers, keeping the process alive while they run: for a pause a caller awaits
 * (a retry's backoff), which must not see the process exit under it.
 */
export const keepAliveTimers: Timers = {
  set(callback, milliseconds) {
    return setTimeout(callback, milliseconds);
  },
  clear(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/**
 * The runtime's timers; none of them keeps the process alive (`unref()` where there is one):
 * for bounds on work that keeps the process alive by itself (a socket, a child process).
 */
export const systemTimers: Timers = {
  set(callback, milliseconds) {
    const timer = keepAliveTimers.set(callback, milliseconds);
    (timer as { unref?: () => void }).unref?.();
    return timer;
  },
  clear: keepAliveTimers.clear,
};
