import type { RequestOptions } from "./client-options.js";
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
