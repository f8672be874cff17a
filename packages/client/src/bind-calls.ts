import { ConfigurationError, type RequestOperation, redact } from "@proxy-auth/core";
import { readBoundedText } from "@proxy-auth/core/internal";
import { chatCompletionStream } from "./chat-completion-stream.js";
import type { CallSettings, RequestOptions } from "./client-options.js";
import { warnIfPlainHttp } from "./plain-http-warning.js";
import type { CompletionFunction, EmbeddingFunction, ProxyClient } from "./proxy-client.js";
import { type ProxyResponse, sendProxyRequest } from "./proxy-request.js";
import { ProxyRequestError } from "./proxy-request-error.js";
import { requestBody } from "./request-body.js";
import { RequestEvents } from "./request-events.js";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from "./types.js";

/**
 * The calls, bound to how each call finds its settings: fixed options for `createClient`, the
 * mutable `litellm` object (read at every call) for the global functions.
 */
export function bindCalls(
  settingsOf: (options: RequestOptions | undefined, where: string) => CallSettings,
): ProxyClient {
  const warned = new Set<string>();
  const settingsFor = (options: RequestOptions | undefined, where: string) => {
    const settings = settingsOf(options, where);
    const sendsCredential = settings.proxyAuth !== undefined || settings.apiKey !== undefined;
    warnIfPlainHttp(settings.base, sendsCredential, settings.logger, warned);
    return settings;
  };
  const completion = (async (request: ChatCompletionRequest, options?: RequestOptions) => {
    checkRequest(request, "completion", "messages");
    const settings = settingsFor(options, "completion()");
    const stream = request.stream === true;
    return observedCall<ChatCompletion | AsyncIterable<ChatCompletionChunk>>(
      settings,
      "chat",
      "/chat/completions",
      requestBody(request, "completion()"),
      stream,
      (sent) =>
        stream ? chatCompletionStream(sent, settings) : readJson<ChatCompletion>(sent, settings),
    );
  }) as CompletionFunction;
  const embedding = (async (request: EmbeddingRequest, options?: RequestOptions) => {
    checkRequest(request, "embedding", "input");
    const settings = settingsFor(options, "embedding()");
    return observedCall(
      settings,
      "embeddings",
      "/embeddings",
      requestBody(request, "embedding()"),
      false,
      (sent) => readJson<EmbeddingResponse>(sent, settings),
    );
  }) as EmbeddingFunction;
  return { completion, acompletion: completion, embedding, aembedding: embedding };
}

/**
 * Sends the request and reads its answer; with a handler, its listeners hear of the call's
 * replay, retries, fallback and end (see {@link RequestEvents}).
 */
async function observedCall<T>(
  settings: CallSettings,
  operation: RequestOperation,
  path: string,
  request: { model: string },
  stream: boolean,
  read: (sent: ProxyResponse) => T | Promise<T>,
): Promise<T> {
  const url = settings.url(path);
  const events =
    settings.proxyAuth === undefined
      ? undefined
      : new RequestEvents({
          handler: settings.proxyAuth,
          operation,
          model: request.model,
          stream,
          url,
          now: settings.now,
        });
  const accept = stream ? "text/event-stream" : "application/json";
  try {
    const sent = await sendProxyRequest(settings, path, request, accept, events);
    const result = await read(sent);
    events?.finished({ status: sent.response.status });
    return result;
  } catch (error) {
    events?.finished({ error });
    throw error;
  }
}

async function readJson<T>(
  { response, deadline, secrets }: ProxyResponse,
  settings: CallSettings,
): Promise<T> {
  try {
    const limit = settings.limits.maxResponseBytes;
    const { text, truncated } = await readBoundedText(response, limit, "whole");
    if (truncated) {
      throw new ProxyRequestError(
        `The proxy's answer is larger than maxResponseBytes (${limit} bytes); reading stopped there. Raise maxResponseBytes if such answers are expected.`,
        { status: response.status, retryable: false },
      );
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ProxyRequestError(
        `The proxy answered ${response.status} with a body that is not JSON.`,
        {
          status: response.status,
          body: redact(text, { secrets, maxLength: 16_384 }),
          retryable: false,
        },
      );
    }
  } catch (error) {
    if (settings.signal?.aborted) throw settings.signal.reason;
    if (deadline.timedOut) {
      throw new ProxyRequestError(
        `The proxy's answer did not arrive within ${settings.timeoutMs} ms.`,
        {
          status: response.status,
          retryable: true,
          cause: error,
        },
      );
    }
    throw error;
  } finally {
    deadline.clear();
  }
}

function checkRequest(request: unknown, name: string, field: "messages" | "input"): void {
  const given = request as Record<string, unknown> | null;
  if (
    typeof given !== "object" ||
    given === null ||
    typeof given.model !== "string" ||
    given.model.length === 0
  ) {
    throw new ConfigurationError(
      `${name}() needs a request object with a "model" string, e.g. { model: "gpt-4", ${field}: … }.`,
    );
  }
  if (field === "messages" ? !Array.isArray(given.messages) : given.input === undefined) {
    throw new ConfigurationError(`${name}() needs "${field}" in the request.`);
  }
}
