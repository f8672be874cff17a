import type { Redis } from "ioredis";

/**
 * Tells processes waiting for a token that one was stored: a second connection (subscribers
 * cannot send other commands), opened on the first wait and subscribed to each key's channel as
 * it is first waited on. Best effort: a lost message or a broken connection only means the
 * waiter's own timeout ends its wait.
 */
export class StoredNotifications {
  readonly #redis: Redis;
  #subscriber: Redis | undefined;
  readonly #subscribed = new Set<string>();
  readonly #waiters = new Map<string, Set<() => void>>();
  #closed = false;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  /** Resolves on the next message on `channel`, or after `timeoutMs`; never rejects. */
  next(channel: string, timeoutMs: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const subscriber = this.#connect();
    if (!this.#subscribed.has(channel)) {
      this.#subscribed.add(channel);
      subscriber.subscribe(channel).catch(() => this.#subscribed.delete(channel));
    }
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(channel) ?? new Set<() => void>();
      this.#waiters.set(channel, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(channel);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      waiters.add(done);
    });
  }

  /** Ends the subscriber connection and every wait. */
  close(): void {
    this.#closed = true;
    for (const waiters of [...this.#waiters.values()]) for (const done of [...waiters]) done();
    this.#subscriber?.disconnect();
  }

  #connect(): Redis {
    if (this.#subscriber !== undefined) return this.#subscriber;
    const subscriber = this.#redis.duplicate();
    subscriber.on("error", () => {}); // a broken subscription only leaves the waiters' timeouts
    subscriber.on("message", (channel: string) => {
      for (const done of [...(this.#waiters.get(channel) ?? [])]) done();
    });
    this.#subscriber = subscriber;
    return subscriber;
  }
}
