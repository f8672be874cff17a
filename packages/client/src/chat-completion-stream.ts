import { redact } from "@proxy-auth/core";
import { EventSourceParserStream } from "eventsource-parser/stream";
import type { Deadline } from "./deadline.js";
import { ProxyRequestError } from "./proxy-request-error.js";
import type { ChatCompletionChunk } from "./types.js";

/**
 * The chunks of a streamed chat completion, parsed from server-sent events. Breaking out of the
 * loop (or the caller's signal aborting) closes the connection; a silence longer than the
 * timeout ends the stream with a retryable `ProxyRequestError`. Error text from the stream is
 * redacted (`secrets`: what was sent; token-shaped strings) before it enters an error.
 */
export async function* chatCompletionStream(
  response: Response,
  deadline: Deadline,
  callerSignal: AbortSignal | undefined,
  secrets: (string | undefined)[] = [],
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  if (response.body === null) {
    deadline.clear();
    throw new ProxyRequestError("The proxy answered a streamed completion without a body.", {
      status: response.status,
      retryable: false,
    });
  }
  const events = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  try {
    for (;;) {
      const { value: event, done } = await events.read();
      if (done) return;
      deadline.reset();
      if (event.data === "[DONE]") return;
      let chunk: ChatCompletionChunk & { error?: { message?: string } };
      try {
        chunk = JSON.parse(event.data);
      } catch {
        throw new ProxyRequestError("The proxy sent a stream event that is not JSON.", {
          status: response.status,
          body: redact(event.data, { secrets, maxLength: 16_384 }),
          retryable: false,
        });
      }
      if (chunk.error !== undefined) {
        const message = chunk.error?.message;
        throw new ProxyRequestError(
          `The proxy reported an error mid-stream: ${typeof message === "string" ? redact(message, { secrets }) : "unknown error"}`,
          {
            status: response.status,
            body: redactedJson(event.data, secrets),
            retryable: false,
          },
        );
      }
      yield chunk;
    }
  } catch (error) {
    if (callerSignal?.aborted) throw callerSignal.reason;
    if (deadline.timedOut) {
      throw new ProxyRequestError("The proxy's stream went silent for longer than the timeout.", {
        status: response.status,
        retryable: true,
        cause: error,
      });
    }
    throw error;
  } finally {
    deadline.abort();
    await events.cancel().catch(() => {});
  }
}

/** The event's JSON with secrets and token-shaped strings redacted (the text if that breaks it). */
function redactedJson(data: string, secrets: (string | undefined)[]): unknown {
  const text = redact(data, { secrets, maxLength: 16_384 });
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
