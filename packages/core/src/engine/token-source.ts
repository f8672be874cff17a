import type { ScheduledToken } from "./token-schedule.js";

/** What the handler tells its {@link TokenSource} when it needs the next token. */
export interface TokenRequest {
  /** The token the handler holds (usable or not), if any. */
  readonly held: ScheduledToken | undefined;
  /** Whether `held` is still usable: then the source never waits for another's refresh. */
  readonly serving: boolean;
  /** The clock time (milliseconds) the handler's callers stop waiting (`maxTokenWaitMs`). */
  readonly deadline: number;
}

/** Where a token came from: this handler's credential call, or another process's through a cache. */
export type TokenOrigin = "credential" | "shared-cache";

/**
 * The source's answer, as data: the next token and where it came from, or (only while the
 * handler still serves a usable token) the time to look again, because another process is
 * refreshing.
 */
export type TokenAnswer =
  | { readonly token: ScheduledToken; readonly origin: TokenOrigin }
  | { readonly lookAgainAt: number };

/**
 * The one seam between the handler and where tokens come from: a credential (with its timeout
 * and validation), or a fleet sharing a cache. The handler keeps the hot path, single flight,
 * failures and events; the source never calls back into it.
 */
export interface TokenSource {
  /**
   * The next token for `request`.
   *
   * @throws {@link ProxyAuthError} (or anything a credential throws) when none can be had.
   */
  next(request: TokenRequest): Promise<TokenAnswer>;
  /** The handler dropped `token` (after a 401): never take it back from a shared cache. */
  refused(token: string): void;
}
