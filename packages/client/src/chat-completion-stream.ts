import { redact } from "@proxy-auth/core";
import { readBoundedText } from "@proxy-auth/core/internal";
import { EventSourceParserStream } from "eventsource-parser/stream";
import type { CallSettings } from "./client-options.js";
import { type ProxyResponse, proxyMessage } from "./proxy-request.js";
import { ProxyRequestError } from "./proxy-request-error.js";
import type { ChatCompletionChunk } from "./types.js";

/**
 * The chunks of a streamed chat completion, parsed from server-sent events. Only a whole
 * stream succeeds: an answer that is not `text/event-stream`, a stream that ends before
 * `[DONE]`, an error event, a chunk that is not an object, an event longer than
 * `maxEventBytes` or a broken connection is a `ProxyRequestError`. Any bytes from the proxy
 * (keep-alive comments too) restart the silence timer. Closing the iterator at any point, even
 * before the first read, or the caller's signal aborting, closes the connection and stops the
 * timer. Text from the proxy is redacted (`secrets`: what was sent; token-shaped strings) before
 * it enters an error.
 */
export async function chatCompletionStream(
  { response, deadline, secrets }: ProxyResponse,
  settings: CallSettings,
): Promise<AsyncIterableIterator<ChatCompletionChunk>> {
  const contentType = response.headers.get("content-type") ?? "";
  if (!/^\s*text\/event-stream\b/i.test(contentType) || response.body === null) {
    throw await notAStream(response, contentType, settings, secrets).finally(() =>
      deadline.abort(),
    );
  }
  const { maxEventBytes } = settings.limits;
  const events = response.body
    // Any bytes count as activity: a proxy's `: ping` keeps a slow model's stream alive.
    .pipeThrough(
      new TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>({
        transform(bytes, controller) {
          deadline.reset();
          controller.enqueue(bytes);
        },
      }),
    )
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ maxBufferSize: maxEventBytes }))
    .getReader();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    deadline.abort();
    await events.cancel().catch(() => {});
  };
  const status = response.status;

  async function* chunks(): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    try {
      for (;;) {
        const { value: event, done } = await events.read();
        if (done) {
          throw new ProxyRequestError(
            "The proxy's stream ended before [DONE]: the answer is incomplete.",
            { status, retryable: true },
          );
        }
        if (event.data === "[DONE]") return;
        yield chunkOf(event.event, event.data, status, secrets);
      }
    } catch (error) {
      throw streamError(error, settings, deadline.timedOut, status);
    } finally {
      await close();
    }
  }

  const generator = chunks();
  const iterator: AsyncIterableIterator<ChatCompletionChunk> = {
    [Symbol.asyncIterator]: () => iterator,
    next: () => generator.next(),
    // A generator closed before its first read never runs its `finally`: close here too.
    return: async () => {
      await close();
      return generator.return();
    },
    throw: async (error?: unknown) => {
      await close();
      return generator.throw(error);
    },
  };
  return iterator;
}

/** The longest proxy text kept on an error (after redaction). */
const ERROR_BODY_CHARACTERS = 16_384;

/** One event as a chunk, or the typed error the proxy meant. */
function chunkOf(
  type: string | undefined,
  data: string,
  status: number,
  secrets: (string | undefined)[],
): ChatCompletionChunk {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    const text = redact(data, { secrets, maxLength: ERROR_BODY_CHARACTERS });
    if (type === "error") throw midStreamError(text, text, status);
    throw new ProxyRequestError("The proxy sent a stream event that is not JSON.", {
      status,
      body: text,
      retryable: false,
    });
  }
  if (type === "error" || (typeof chunk === "object" && chunk !== null && "error" in chunk)) {
    const text = redact(data, { secrets, maxLength: ERROR_BODY_CHARACTERS });
    throw midStreamError(parsed(text), text, status);
  }
  if (typeof chunk !== "object" || chunk === null || Array.isArray(chunk)) {
    const text = redact(data, { secrets, maxLength: 40 });
    throw new ProxyRequestError(
      `The proxy sent a stream event that is not a chunk object (${text}).`,
      { status, body: parsed(text), retryable: false },
    );
  }
  return chunk as ChatCompletionChunk;
}

/** The (already redacted) text as JSON, or as text when it is not JSON. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function midStreamError(body: unknown, data: string, status: number): ProxyRequestError {
  // LiteLLM sends `{ error: { message } }`; some proxies send `{ message }` in an error event.
  const said = proxyMessage(body) ?? proxyMessage({ error: body });
  const detail = said ?? (data.length > 0 ? data.slice(0, 500) : "");
  return new ProxyRequestError(
    `The proxy reported an error mid-stream: ${detail === "" || detail === "null" ? "no details given" : detail}`,
    { status, body, retryable: false },
  );
}

/** What ended the stream, as the caller should see it. */
function streamError(
  error: unknown,
  settings: CallSettings,
  timedOut: boolean,
  status: number,
): unknown {
  if (settings.signal?.aborted) return settings.signal.reason;
  if (ProxyRequestError.isInstance(error)) return error;
  if (timedOut) {
    return new ProxyRequestError(
      `The proxy's stream went silent for longer than the timeout (${settings.timeoutMs} ms).`,
      { status, retryable: true, cause: error },
    );
  }
  if ((error as { type?: unknown } | null)?.type === "max-buffer-size-exceeded") {
    // No cause: the parser's error can hold the oversized text.
    return new ProxyRequestError(
      `The proxy sent a stream event longer than maxEventBytes (${settings.limits.maxEventBytes}); the stream was closed. Raise maxEventBytes if such events are expected.`,
      { status, retryable: false },
    );
  }
  return new ProxyRequestError(
    "The connection to the proxy broke mid-stream: the answer is incomplete.",
    { status, retryable: true, cause: error },
  );
}

/** A `stream: true` call answered with something else (JSON, a sign-in page…): say what. */
async function notAStream(
  response: Response,
  contentType: string,
  settings: CallSettings,
  secrets: (string | undefined)[],
): Promise<unknown> {
  const limit = settings.limits.maxErrorBodyBytes;
  const { text } = await readBoundedText(response, limit, "prefix").catch(() => ({
    text: "",
    truncated: false,
  }));
  if (settings.signal?.aborted) return settings.signal.reason;
  const body = parsed(redact(text, { secrets, maxLength: ERROR_BODY_CHARACTERS }));
  const said = proxyMessage(body);
  const from = response.redirected ? ` after a redirect to ${new URL(response.url).origin}` : "";
  const kind = response.body === null ? "no body" : contentType.trim() || "no content type";
  return new ProxyRequestError(
    `A streamed completion was asked for, but the proxy answered ${response.status} with ${kind}${from} instead of text/event-stream${said === undefined ? "." : `: ${said}`}`,
    { status: response.status, body, retryable: false },
  );
}
