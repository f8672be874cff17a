import { systemTimers, type Timers } from "@proxy-auth/core/internal";
import type { Redis } from "ioredis";

/** How long the subscriber connection stays open after its last waiter, for the next one. */
const IDLE_MS = 1_000;

/**
 * The shortest time between two wake-ups of one channel's waiters: a flood of messages on the
 * channel (anyone who can publish to Redis can send them) wakes each waiter at most four times
 * a second, each wake-up costing it one script; a message inside the window wakes them at its
 * end, so a real store is never missed.
 */
export const MIN_WAKE_INTERVAL_MS = 250;

/** What a store publishes: the stored value's SHA-1. Anything else on the channel is not ours. */
const STORED_MESSAGE = /^[0-9a-f]{40}$/;

/**
 * Tells processes waiting for a token that one was stored: a second connection (subscribers
 * cannot send other commands), opened when a wait begins, subscribed to each key's channel as
 * it is first waited on, and closed a second after the last waiter is gone (so it never keeps a
 * process alive that is otherwise done). Best effort: a lost message or a broken connection
 * only means the waiter's own timeout ends its wait.
 */
export class StoredNotifications {
  readonly #redis: Redis;
  #subscriber: Redis | undefined;
  readonly #subscribed = new Set<string>();
  readonly #waiters = new Map<string, Set<() => void>>();
  /** By channel: when its waiters were last woken, and the wake-up deferred to the window's end. */
  readonly #wakes = new Map<string, { at: number; deferred?: unknown }>();
  #closed = false;
  #idle: unknown;
  readonly #timers: Timers;

  /**
   * @param redis - The cache's connection (duplicated for the subscription).
   * @param timers - Where the waits' timeouts and the idle close get their timers. Default the
   *   runtime's (never keeping the process alive).
   */
  constructor(redis: Redis, timers: Timers = systemTimers) {
    this.#redis = redis;
    this.#timers = timers;
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
        this.#timers.clear(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(channel);
        if (this.#waiters.size === 0) this.#closeWhenIdle();
        resolve();
      };
      const timer = this.#timers.set(done, timeoutMs);
      waiters.add(done);
    });
  }

  /** Ends the subscriber connection and every wait. */
  close(): void {
    this.#closed = true;
    this.#timers.clear(this.#idle);
    for (const { deferred } of this.#wakes.values()) this.#timers.clear(deferred);
    this.#wakes.clear();
    for (const waiters of [...this.#waiters.values()]) for (const done of [...waiters]) done();
    this.#subscriber?.disconnect();
  }

  #closeWhenIdle(): void {
    // After close() the connection is gone already: no timer to leave behind.
    if (this.#closed) return;
    this.#timers.clear(this.#idle);
    this.#idle = this.#timers.set(() => {
      if (this.#waiters.size > 0) return;
      this.#subscriber?.disconnect();
      this.#subscriber = undefined;
      this.#subscribed.clear();
      this.#wakes.clear();
    }, IDLE_MS);
  }

  /** Wakes the channel's waiters, at most once per {@link MIN_WAKE_INTERVAL_MS}. */
  #wake(channel: string): void {
    const last = this.#wakes.get(channel);
    const now = Date.now();
    if (last?.deferred !== undefined) return; // already due at the window's end
    const dueIn = last === undefined ? 0 : last.at + MIN_WAKE_INTERVAL_MS - now;
    const wakeNow = () => {
      this.#wakes.set(channel, { at: Date.now() });
      for (const done of [...(this.#waiters.get(channel) ?? [])]) done();
    };
    if (dueIn <= 0) {
      wakeNow();
      return;
    }
    const deferred = this.#timers.set(wakeNow, dueIn);
    this.#wakes.set(channel, { at: last?.at ?? now, deferred });
  }

  #connect(): Redis {
    this.#timers.clear(this.#idle);
    if (this.#subscriber !== undefined) return this.#subscriber;
    const subscriber = this.#redis.duplicate();
    subscriber.on("error", () => {}); // a broken subscription only leaves the waiters' timeouts
    subscriber.on("message", (channel: string, message: string) => {
      if (STORED_MESSAGE.test(message)) this.#wake(channel);
    });
    this.#subscriber = subscriber;
    return subscriber;
  }
}
