/**
 * Where the handler reports its events (token fetched, refreshed, failed, backing off). Messages
 * and metadata carry the scope, expiry and timings only: never a token or a secret.
 *
 * @example
 * ```ts
 * const logger: Logger = {
 *   warn: (message, meta) => console.warn(JSON.stringify({ level: "warn", message, ...meta })),
 * };
 * ```
 */
export interface Logger {
  /** Every token event, for troubleshooting. */
  debug?(message: string, meta?: Record<string, unknown>): void;
  /** Noteworthy events. */
  info?(message: string, meta?: Record<string, unknown>): void;
  /** A token could not be obtained or refreshed. */
  warn(message: string, meta?: Record<string, unknown>): void;
  /** Errors. */
  error?(message: string, meta?: Record<string, unknown>): void;
}

/** The default logger: warnings and errors to the console, nothing else. */
export const consoleLogger: Logger = {
  warn: (message, meta) => console.warn(`[proxy-auth] ${message}`, ...(meta ? [meta] : [])),
  error: (message, meta) => console.error(`[proxy-auth] ${message}`, ...(meta ? [meta] : [])),
};
