import type { AccessToken, GetTokenOptions, Logger, TokenCredential } from "../src/index.js";

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public time = 1_800_000_000_000) {}
  readonly now = () => this.time;
  advance(seconds: number): void {
    this.time += seconds * 1000;
  }
  get seconds(): number {
    return this.time / 1000;
  }
}

interface Pending {
  resolve(token: AccessToken): void;
  reject(error: unknown): void;
  scope: string;
  options: GetTokenOptions | undefined;
}

/** A credential whose every call waits until the test answers it. */
export class ControlledCredential implements TokenCredential {
  readonly pending: Pending[] = [];
  calls = 0;

  getToken(scope: string, options?: GetTokenOptions): Promise<AccessToken> {
    this.calls++;
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject, scope, options });
    });
  }

  /** Answers the oldest pending call. */
  answer(token: AccessToken): void {
    this.next().resolve(token);
  }

  fail(error: unknown): void {
    this.next().reject(error);
  }

  private next(): Pending {
    const call = this.pending.shift();
    if (call === undefined) throw new Error("no pending credential call");
    return call;
  }
}

/** A credential that answers at once from a function of the call number. */
export function credentialFrom(
  answer: (call: number, scope: string) => AccessToken | Promise<AccessToken>,
): TokenCredential & { calls: number } {
  const credential = {
    calls: 0,
    getToken(scope: string) {
      credential.calls++;
      return answer(credential.calls, scope);
    },
  };
  return credential;
}

/** A logger that records every line. */
export function recordingLogger(): Logger & {
  lines: { level: string; message: string; meta?: Record<string, unknown> }[];
} {
  const lines: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
  const record = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    lines.push({ level, message, ...(meta ? { meta } : {}) });
  };
  return {
    lines,
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
}

/** Lets pending promise callbacks run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A token string that is unique per call and easy to search for in logs. */
export function tokenString(n: number): string {
  return `tok-SECRET-${n}-eyJhbGciOiJSUzI1NiJ9`;
}

/** Timers driven by a {@link TestClock}: `advance()` moves the clock and runs what is due. */
export class TestTimers {
  readonly #pending = new Map<number, { at: number; callback: () => void }>();
  #next = 0;
  constructor(readonly clock: TestClock) {}
  readonly set = (callback: () => void, milliseconds: number): unknown => {
    const handle = ++this.#next;
    this.#pending.set(handle, { at: this.clock.time + milliseconds, callback });
    return handle;
  };
  readonly clear = (handle: unknown): void => {
    this.#pending.delete(handle as number);
  };
  /** Timers not yet run or cleared. */
  get pending(): number {
    return this.#pending.size;
  }
  /** Moves the clock `milliseconds` on, running every timer that falls due, in order. */
  advance(milliseconds: number): void {
    const until = this.clock.time + milliseconds;
    for (;;) {
      const due = [...this.#pending.entries()]
        .filter(([, timer]) => timer.at <= until)
        .sort(([, a], [, b]) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#pending.delete(due[0]);
      this.clock.time = Math.max(this.clock.time, due[1].at);
      due[1].callback();
    }
    this.clock.time = until;
  }
}
