import { ConfigurationError, type RequestOperation, redact } from "@proxy-auth/core";
import { chatCompletionStream } from "./chat-completion-stream.js";
import {
  type CallSettings,
  type ClientOptions,
  callSettings,
  type RequestOptions,
  validateClientOptions,
} from "./client-options.js";
import { warnIfPlainHttp } from "./plain-http-warning.js";
import { type ProxyResponse, sendProxyRequest } from "./proxy-request.js";
import { ProxyRequestError } from "./proxy-request-error.js";
import { readLimitedBody } from "./read-limited-body.js";
import { requestBody } from "./request-body.js";
import { RequestEvents } from "./request-events.js";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from "./types.js";

/** `completion()`: a chat completion, or with `stream: true` an async iterable of chunks. */
export interface CompletionFunction {
  (
    request: ChatCompletionRequest & { stream?: false },
    options?: RequestOptions,
  ): Promise<ChatCompletion>;
  (
    request: ChatCompletionRequest & { stream: true },
    options?: RequestOptions,
  ): Promise<AsyncIterable<ChatCompletionChunk>>;
  (
    request: ChatCompletionRequest,
    options?: RequestOptions,
  ): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
}

/**
 * `embedding()`: embeddings for one or more inputs, typed `number[]` unless the request asks
 * for `encoding_format: "base64"` (then `string`), as the `openai` package types them.
 */
export interface EmbeddingFunction {
  (
    request: EmbeddingRequest & { encoding_format: "base64" },
    options?: RequestOptions,
  ): Promise<EmbeddingResponse<string>>;
  (
    request: EmbeddingRequest & { encoding_format?: "float" },
    options?: RequestOptions,
  ): Promise<EmbeddingResponse<number[]>>;
  (request: EmbeddingRequest, options?: RequestOptions): Promise<EmbeddingResponse>;
}

/** The calls of a client (and of the global `litellm` object). */
export interface ProxyClient {
  completion: CompletionFunction;
  acompletion: CompletionFunction;
  embedding: EmbeddingFunction;
  aembedding: EmbeddingFunction;
}

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
 * The same calls as the global `litellm` object, without global state: the recommended form
 * inside libraries and servers.
 *
 * @example
 * ```ts
 * const client = createClient({ apiBase: "https://my-proxy.example.com", proxyAuth: handler });
 * const response = await client.completion({ model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] });
 * console.log(response.choices[0]?.message.content);
 * ```
 */
export function createClient(options: ClientOptions): ProxyClient {
  const client = validateClientOptions(options, "createClient()");
  return bindCalls((call, where) => callSettings(client, call, where));
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
    const { text, truncated } = await readLimitedBody(response, limit);
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
