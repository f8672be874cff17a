export {
  type AuthHeader,
  type AuthHeaderShape,
  resolveAuthHeader,
} from "./auth-header-shape.js";
export type { ClientInternals, ClientOptions, RequestOptions } from "./client-options.js";
export { createApiKeyProvider } from "./create-api-key-provider.js";
export { type AuthFetchOptions, createAuthFetch } from "./create-auth-fetch.js";
export {
  type CompletionFunction,
  createClient,
  type EmbeddingFunction,
  type ProxyClient,
} from "./create-client.js";
export {
  acompletion,
  aembedding,
  completion,
  embedding,
  type LitellmSettings,
  litellm,
} from "./litellm.js";
export { ProxyRequestError, type ProxyRequestErrorOptions } from "./proxy-request-error.js";
export type { HeadersInput } from "./request-headers.js";
export type { ResponseLimits } from "./response-limits.js";
export type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatMessage,
  ChatMessageFields,
  ChatRole,
  ChoiceLogprobs,
  EmbeddingRequest,
  EmbeddingResponse,
  ExtraBody,
  FinishReason,
  RequestToolCall,
  TokenLogprob,
  ToolCall,
  Usage,
} from "./types.js";
