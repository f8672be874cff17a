// The header shape lives in core (the CLI's forwarder uses it too); its public home is here.
export {
  type AuthHeader,
  type AuthHeaderShape,
  resolveAuthHeader,
} from "@proxy-auth/core/internal";
export type { ClientInternals, ClientOptions, RequestOptions } from "./client-options.js";
export { createApiKeyProvider } from "./create-api-key-provider.js";
export { type AuthFetchOptions, createAuthFetch } from "./create-auth-fetch.js";
export { createClient } from "./create-client.js";
export {
  acompletion,
  aembedding,
  completion,
  embedding,
  type LitellmSettings,
  litellm,
} from "./litellm.js";
export type {
  CompletionFunction,
  EmbeddingFunction,
  ProxyClient,
} from "./proxy-client.js";
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
