import type { ProxyAuthError } from "./errors.js";
import type { ProxyAuthHandler } from "./proxy-auth-handler.js";
import { isRefusedReplacement, rememberRefusedReplacement } from "./refused-replacements.js";

/** One request on the auth path: how to send it, and what its transport looks like. */
export interface AuthorizedSendOptions<R> {
  /** Where tokens come from; without one, only `fallback` is sent. */
  handler: Pick<ProxyAuthHandler, "authorize" | "invalidate"> | undefined;
  /** The auth header's value for a token (`"Bearer <token>"`, or the bare token). */
  headerValue: (token: string) => string;
  /** The header's value when no token can be had, or without a handler (a static key). */
  fallback?: string | undefined;
  /** The caller's signal: an abort while waiting for a token rejects with its reason. */
  signal?: AbortSignal | undefined;
  /** Sends one attempt with this auth header value (`undefined`: no auth header). */
  send: (header: string | undefined, replay: boolean) => Promise<R>;
  /** The attempt's HTTP status. */
  status: (response: R) => number;
  /** Whether the request may be sent a second time (its body was kept). */
  replayable: boolean;
  /** Frees a response that is not returned (cancels its body). */
  discard: (response: R) => Promise<void> | void;
  /** The clock for the refused-replacements window. Default `Date.now`. */
  now?: () => number;
  /** Called before a replay, for request events and logs. */
  onReplay?: () => void;
  /** Called when the request goes on without a token (`onTokenError: "warn"`). */
  onFallback?: (error: ProxyAuthError) => void;
}

/** What the auth path ends with: the response to hand back, and what was sent. */
export interface AuthorizedResponse<R> {
  response: R;
  /** The token the response answers, when one was sent. */
  token?: string | undefined;
  /** Why no token could be had: the request went without one, and a 401 is explained by this. */
  tokenError?: ProxyAuthError | undefined;
  /** A 401 was answered by one replay with a fresh token. */
  replayed: boolean;
  /** A 401 for a freshly issued token: the proxy wants another scope or audience. */
  refusedFresh: boolean;
}

/**
 * The one auth path every client shares (completion(), embedding(), createAuthFetch, the
 * command line's forwarder): the handler's token goes in the auth header (its failure rule
 * decides between going on without it and failing); a 401 invalidates that token and the
 * request is replayed once with a fresh one; a fresh token the proxy refuses too is not
 * replaced again for a while. Internal: not part of the public API.
 */
export async function authorizedSend<R>(
  options: AuthorizedSendOptions<R>,
): Promise<AuthorizedResponse<R>> {
  const { handler, send, status, now = Date.now } = options;
  const first = await authorizeOnce(options);
  const response = await send(first.header, false);
  const answered = {
    response,
    token: first.token,
    tokenError: first.error,
    replayed: false,
    refusedFresh: false,
  };
  if (status(response) !== 401 || first.token === undefined || handler === undefined) {
    return answered;
  }
  if (isRefusedReplacement(handler, first.token, now())) return { ...answered, refusedFresh: true };
  // The token was refused (revoked, or the proxy's clock disagrees): the next request gets a
  // fresh one, replayed or not.
  handler.invalidate(first.token);
  if (!options.replayable) return answered;
  options.onReplay?.();
  const second = await authorizeOnce(options);
  // No fresh token: the 401 stands, explained by why there is none.
  if (second.token === undefined) return { ...answered, tokenError: second.error };
  await options.discard(response);
  const replayed = await send(second.header, true);
  const refusedFresh = status(replayed) === 401;
  // A fresh token refused too: not replaced again for a while, or every call costs a grant.
  if (refusedFresh) rememberRefusedReplacement(handler, second.token, now());
  return { response: replayed, token: second.token, replayed: true, refusedFresh };
}

interface Attempt {
  token?: string;
  header?: string | undefined;
  error?: ProxyAuthError;
}

async function authorizeOnce<R>(options: AuthorizedSendOptions<R>): Promise<Attempt> {
  const { handler, signal, fallback } = options;
  if (handler === undefined) return { header: fallback };
  const authorization = await handler.authorize(signal === undefined ? undefined : { signal });
  if (authorization.token !== undefined) {
    return { token: authorization.token, header: options.headerValue(authorization.token) };
  }
  options.onFallback?.(authorization.error);
  return { header: fallback, error: authorization.error };
}
