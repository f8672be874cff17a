import { isRetryableStatus, parseRetryAfterSeconds, redact } from "@proxy-auth/core";
import {
  type AuthorizedResponse,
  authorizedSend,
  backoffDelayMs,
  Deadline,
  describeNoAnswer,
  readBoundedText,
  requestFailure,
} from "@proxy-auth/core/internal";
import type { CallSettings } from "./client-options.js";
import { mergeHeaders } from "./merge-headers.js";
import { ProxyRequestError, tokenFailureError } from "./proxy-request-error.js";
import { refusesFreshTokensMessage } from "./refused-fresh-tokens.js";
import type { RequestEvents } from "./request-events.js";

/** A response that came back 2xx, with the deadline still running over its body. */
export interface ProxyResponse {
  response: Response;
  deadline: Deadline;
  /** What was sent as credentials: redacted from any text the proxy sends back. */
  secrets: (string | undefined)[];
}

/** The longest proxy body kept on an error (after redaction). */
const ERROR_BODY_CHARACTERS = 16_384;

/**
 * Sends a POST to the proxy: one send ({@link sendOnce}) at a time, bounded retries of
 * 408/429/5xx and network errors with the shared backoff, which honours the error's
 * `retryAfterSeconds` up to 60 s as the handler does, and one replay with a fresh token after a
 * 401 across all of them.
 */
export async function sendProxyRequest(
  settings: CallSettings,
  path: string,
  body: object,
  accept: string,
  events?: RequestEvents,
): Promise<ProxyResponse> {
  const request = { url: settings.url(path), json: JSON.stringify(body), accept };
  let replayed = false;
  for (let retries = 0; ; ) {
    const sent = await sendOnce(settings, request, replayed, events);
    if ("response" in sent) return sent;
    replayed = sent.replayed;
    const { failure } = sent;
    if (!failure.retryable || retries >= settings.maxRetries) throw failure;
    const delay = backoffDelayMs(
      ++retries,
      PROXY_BACKOFF,
      settings.random,
      failure.retryAfterSeconds,
    );
    events?.retried(failure.status === 0 ? undefined : failure.status, retries, delay);
    await settings.sleep(delay, settings.signal);
  }
}

/** What one send came to: the answer to read, or the error to retry or throw. */
type SendOutcome = ProxyResponse | { failure: ProxyRequestError; replayed: boolean };

/**
 * One send: the token injected last (and one replay with a fresh token after a 401, unless the
 * call already replayed), under its own deadline started when the request goes (not while a
 * token is awaited). The caller's abort and token failures ("throw" mode) are thrown as they are.
 */
async function sendOnce(
  settings: CallSettings,
  { url, json, accept }: { url: string; json: string; accept: string },
  alreadyReplayed: boolean,
  events: RequestEvents | undefined,
): Promise<SendOutcome> {
  const { proxyAuth, apiKey, authHeader } = settings;
  let deadline: Deadline | undefined;
  let result: AuthorizedResponse<Response>;
  try {
    result = await authorizedSend({
      handler: proxyAuth,
      headerValue: authHeader.value,
      fallback: apiKey === undefined ? undefined : authHeader.value(apiKey),
      signal: settings.signal,
      // One replay per call, across its retries.
      replayable: !alreadyReplayed,
      now: settings.now,
      method: "POST",
      url,
      send: (header, _replay, proof) => {
        deadline = new Deadline(settings.timeoutMs, settings.signal);
        const headers = mergeHeaders(
          { "content-type": "application/json", accept },
          settings.headers,
          header === undefined ? undefined : { [authHeader.name]: header },
          proof === undefined ? undefined : { dpop: proof },
        );
        // Called as a plain function, never as `settings.fetch(…)`: workerd's fetch throws
        // "Illegal invocation" when called as a method of another object.
        const send = settings.fetch;
        const { signal } = deadline;
        return send(url, { method: "POST", headers, body: json, signal });
      },
      status: (response) => response.status,
      header: (response, name) => response.headers.get(name),
      discard: async (response) => {
        await response.body?.cancel().catch(() => {});
        deadline?.clear();
      },
      onReplay: () => events?.replayed(),
      onFallback: (error) => events?.fallback(apiKey === undefined ? "none" : "api-key", error),
    });
  } catch (error) {
    deadline?.clear();
    const why = requestFailure(error, settings.signal, deadline);
    if (why.kind === "aborted") throw why.reason;
    // Token failures ("throw" mode) go to the caller as they are.
    if (why.kind === "typed") throw why.error;
    const { message } = describeNoAnswer(why, `proxy at ${origin(url)}`, settings.timeoutMs, error);
    const failure = new ProxyRequestError(message, { status: 0, retryable: true, cause: error });
    return { failure, replayed: alreadyReplayed };
  }
  const { response, token } = result;
  // Set by the send that answered.
  const answered = deadline as Deadline;
  const replayed = alreadyReplayed || result.replayed;
  const secrets = [token, apiKey];
  if (response.ok) return { response, deadline: answered, secrets };

  const status = response.status;
  const retryAfterSeconds = parseRetryAfterSeconds(
    response.headers.get("retry-after"),
    settings.now(),
  );
  // Bounded: an error body is kept on the error, and may come back on every retry.
  const limit = settings.limits.maxErrorBodyBytes;
  const read = await readBoundedText(response, limit, "prefix").catch(() => ({
    text: "",
    truncated: false,
  }));
  answered.clear();
  if (status === 401 && token !== undefined && (result.refusedFresh || replayed)) {
    // A fresh token refused too: the proxy wants another scope or audience.
    const body = parse(redact(read.text, { secrets, maxLength: ERROR_BODY_CHARACTERS }));
    const said = proxyMessage(body);
    throw new ProxyRequestError(refusesFreshTokensMessage(origin(url), said ? `: ${said}` : ""), {
      status,
      body,
      retryable: false,
    });
  }
  const failure = errorFromResponse(status, read, limit, url, result, secrets, retryAfterSeconds);
  return { failure, replayed };
}

function errorFromResponse(
  status: number,
  { text, truncated }: { text: string; truncated: boolean },
  limit: number,
  url: string,
  sent: { token?: string | undefined; tokenError?: unknown },
  secrets: (string | undefined)[],
  retryAfterSeconds: number | undefined,
): ProxyRequestError {
  // The proxy may echo what it was sent (the token) or anything else: redact before keeping.
  const body = parse(redact(text, { secrets, maxLength: ERROR_BODY_CHARACTERS }));
  const said = proxyMessage(body);
  const detail =
    (said === undefined ? "." : `: ${said}`) +
    (truncated ? ` (body cut at maxErrorBodyBytes = ${limit} bytes; the rest was not read)` : "");
  if (status === 401 && sent.tokenError !== undefined) {
    return tokenFailureError(origin(url), status, body, sent.tokenError, sent.token !== undefined);
  }
  return new ProxyRequestError(`The proxy at ${origin(url)} answered ${status}${detail}`, {
    status,
    body,
    retryable: isRetryableStatus(status),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

/**
 * The proxy's own backoff: full jitter over 0.5 s, 1 s, 2 s… up to 8 s, never shorter than the
 * proxy's `Retry-After` up to 60 s (the handler's cap: a longer one waits 60 s, not the hour).
 */
const PROXY_BACKOFF = { baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterSeconds: 60 };

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The proxy's own error message (LiteLLM: `{ error: { message } }`), shortened and redacted. */
export function proxyMessage(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null)?.error;
  const message =
    typeof error === "string"
      ? error
      : typeof (error as { message?: unknown })?.message === "string"
        ? (error as { message: string }).message
        : undefined;
  return message === undefined ? undefined : redact(message);
}

function origin(url: string): string {
  return new URL(url).origin;
}
