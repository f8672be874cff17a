import { isRetryableStatus, parseRetryAfterSeconds, redact } from "@proxy-auth/core";
import {
  type AuthorizedResponse,
  authorizedSend,
  backoffDelayMs,
  Deadline,
  requestFailure,
} from "@proxy-auth/core/internal";
import type { CallSettings } from "./client-options.js";
import { mergeHeaders } from "./merge-headers.js";
import { ProxyRequestError, tokenFailureError } from "./proxy-request-error.js";
import { type LimitedBody, readLimitedBody } from "./read-limited-body.js";
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

/** Retry-After values above this are not waited for: the error goes to the caller. */
const LONGEST_RETRY_AFTER_SECONDS = 60;

/**
 * Sends one POST to the proxy: the token injected last, bounded retries of 408/429/5xx and
 * network errors honouring `Retry-After`, and one replay with a fresh token after a 401.
 */
export async function sendProxyRequest(
  settings: CallSettings,
  path: string,
  body: object,
  accept: string,
  events?: RequestEvents,
): Promise<ProxyResponse> {
  const url = settings.url(path);
  const json = JSON.stringify(body);
  const { proxyAuth, apiKey, authHeader } = settings;
  let replayed = false;
  for (let retries = 0; ; ) {
    // Each send gets its own deadline, started when the request goes (not while a token is awaited).
    let deadline: Deadline | undefined;
    let result: AuthorizedResponse<Response>;
    let failure: ProxyRequestError;
    try {
      result = await authorizedSend({
        handler: proxyAuth,
        headerValue: authHeader.value,
        fallback: apiKey === undefined ? undefined : authHeader.value(apiKey),
        signal: settings.signal,
        // One replay per call, across its retries.
        replayable: !replayed,
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
      failure =
        why.kind === "timeout"
          ? new ProxyRequestError(
              `The proxy at ${origin(url)} did not answer within ${settings.timeoutMs} ms.`,
              {
                status: 0,
                retryable: true,
                cause: error,
              },
            )
          : new ProxyRequestError(
              `Could not reach the proxy at ${origin(url)}${networkReason(why.code, error)}.`,
              {
                status: 0,
                retryable: true,
                cause: error,
              },
            );
      if (retries >= settings.maxRetries) throw failure;
      const delay = backoffMs(++retries, settings.random);
      events?.retried(undefined, retries, delay);
      await settings.sleep(delay, settings.signal);
      continue;
    }
    const { response, token } = result;
    // Set by the send that answered.
    deadline = deadline as Deadline;
    replayed ||= result.replayed;
    const secrets = [token, apiKey];
    if (response.ok) return { response, deadline, secrets };

    const status = response.status;
    const retryAfter = parseRetryAfterSeconds(response.headers.get("retry-after"));
    // Bounded: an error body is kept on the error, and may come back on every retry.
    const limit = settings.limits.maxErrorBodyBytes;
    const read = await readLimitedBody(response, limit).catch(
      (): LimitedBody => ({ text: "", truncated: false }),
    );
    deadline.clear();
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
    failure = errorFromResponse(status, read, limit, url, result, secrets);
    if (!failure.retryable || retries >= settings.maxRetries) throw failure;
    if (retryAfter !== undefined && retryAfter > LONGEST_RETRY_AFTER_SECONDS) throw failure;
    const delay = Math.max(backoffMs(++retries, settings.random), (retryAfter ?? 0) * 1000);
    events?.retried(status, retries, delay);
    await settings.sleep(delay, settings.signal);
  }
}

function errorFromResponse(
  status: number,
  { text, truncated }: LimitedBody,
  limit: number,
  url: string,
  sent: { token?: string | undefined; tokenError?: unknown },
  secrets: (string | undefined)[],
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
  });
}

/** The proxy's own backoff: full jitter over 0.5 s, 1 s, 2 s… up to 8 s. */
const PROXY_BACKOFF = { baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterSeconds: 0 };

function backoffMs(retry: number, random: () => number): number {
  return backoffDelayMs(retry, PROXY_BACKOFF, random);
}

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

/** Why the connection failed: ECONNREFUSED, ENOTFOUND…, else the cause's message ("bad port"). */
function networkReason(code: string | undefined, error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } })?.cause;
  const reason = code ?? cause?.message;
  return typeof reason === "string" ? ` (${reason})` : "";
}
