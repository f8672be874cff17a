import type { ProxyAuthError } from "../errors.js";
import type { ProxyAuthHandler } from "../proxy-auth-handler.js";
import {
  type DPoPAuthorization,
  dpopAuthorization,
  isDPoPTokenType,
  takeDPoPNonce,
} from "../shared/dpop-request.js";
import { isRefusedReplacement, rememberRefusedReplacement } from "./refused-replacements.js";

/** One request on the auth path: how to send it, and what its transport looks like. */
export interface AuthorizedSendOptions<R> {
  /** Where tokens come from; without one, only `fallback` is sent. */
  handler:
    | (Pick<ProxyAuthHandler, "authorize" | "invalidate"> & { readonly credential?: unknown })
    | undefined;
  /** The auth header's value for a token (`"Bearer <token>"`, or the bare token). */
  headerValue: (token: string) => string;
  /** The header's value when no token can be had, or without a handler (a static key). */
  fallback?: string | undefined;
  /** The caller's signal: an abort while waiting for a token rejects with its reason. */
  signal?: AbortSignal | undefined;
  /**
   * Sends one attempt with this auth header value (`undefined`: no auth header) and, for a
   * DPoP-bound token, this `DPoP` header value (the proof).
   */
  send: (header: string | undefined, replay: boolean, proof?: string) => Promise<R>;
  /** The attempt's HTTP status. */
  status: (response: R) => number;
  /** The request's method, for DPoP proofs (`htm`). */
  method?: string | undefined;
  /** The request's URL, for DPoP proofs (`htu`) and the resource server's nonce. */
  url?: string | URL | undefined;
  /** A response header by lower-case name (`DPoP-Nonce`, `WWW-Authenticate`), for DPoP. */
  header?: (response: R, name: string) => string | null | undefined;
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
  const { handler, status, now = Date.now } = options;
  const first = await authorizeOnce(options);
  const response = await sendAttempt(options, first, false);
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
  const replayed = await sendAttempt(options, second, true);
  const refusedFresh = status(replayed) === 401;
  // A fresh token refused too: not replaced again for a while, or every call costs a grant.
  if (refusedFresh) rememberRefusedReplacement(handler, second.token, now());
  return { response: replayed, token: second.token, replayed: true, refusedFresh };
}

interface Attempt {
  token?: string;
  header?: string | undefined;
  error?: ProxyAuthError;
  dpop?: DPoPAuthorization;
}

/**
 * Sends one attempt; for a DPoP-bound token, a resource server's `use_dpop_nonce` challenge is
 * answered once with a new proof carrying its nonce (RFC 9449 §9).
 */
async function sendAttempt<R>(
  options: AuthorizedSendOptions<R>,
  attempt: Attempt,
  replay: boolean,
): Promise<R> {
  const { dpop } = attempt;
  const response = await options.send(attempt.header, replay, dpop?.proof);
  const { header } = options;
  if (dpop === undefined || header === undefined) return response;
  const challenged = takeDPoPNonce(dpop, options.status(response), (name) =>
    header(response, name),
  );
  if (!challenged || !options.replayable) return response;
  await options.discard(response);
  const proof = await dpop.prover.proof({
    method: dpop.method,
    url: dpop.url,
    accessToken: attempt.token,
  });
  return options.send(attempt.header, true, proof);
}

async function authorizeOnce<R>(options: AuthorizedSendOptions<R>): Promise<Attempt> {
  const { handler, signal, fallback } = options;
  if (handler === undefined) return { header: fallback };
  const authorization = await handler.authorize(signal === undefined ? undefined : { signal });
  const { token } = authorization;
  if (token !== undefined) {
    if (!isDPoPTokenType(authorization.tokenType)) {
      return { token, header: options.headerValue(token) };
    }
    const dpop = await dpopAuthorization(handler.credential, token, options);
    return { token, header: dpop.header, dpop };
  }
  options.onFallback?.(authorization.error);
  return { header: fallback, error: authorization.error };
}
