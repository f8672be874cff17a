/**
 * The fields of a chat message every OpenAI-compatible API knows. A history typed with the
 * `openai` package's `ChatCompletionMessageParam[]` matches it as it is.
 */
export interface ChatMessageFields {
  role: ChatRole;
  /**
   * Text, content parts (images, audio…), or null / absent for an assistant turn with only tool
   * calls.
   */
  content?: string | readonly object[] | null;
  name?: string;
  /** The tool calls of an earlier assistant turn (function calls, or a provider's own kinds). */
  tool_calls?: readonly RequestToolCall[];
  tool_call_id?: string;
}

/** One message of a chat (OpenAI-compatible). Extra fields (`cache_control`…) pass through unchanged. */
export interface ChatMessage extends ChatMessageFields {
  [field: string]: unknown;
}

/** A tool call sent back in a chat history: a function call, or another kind a provider defines. */
export interface RequestToolCall {
  id: string;
  type: "function" | (string & {});
  function?: { name: string; arguments: string };
}

/** A function call requested by the model. */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** The roles of the OpenAI-compatible chat API (`function` is its deprecated form of `tool`). */
export type ChatRole = "system" | "developer" | "user" | "assistant" | "tool" | "function";

/**
 * Provider-specific fields, sent at the top level of the request body next to the known ones
 * (as the `openai` package's `extra_body` is): LiteLLM's `mock_response`, `fallbacks`,
 * `metadata` of a provider's own shape, a gateway's routing hints… The escape hatch is explicit
 * so that a misspelt known parameter (`temprature`) does not compile.
 */
export type ExtraBody = Record<string, unknown>;

/**
 * A chat-completion request: `model` and `messages`, the OpenAI-compatible parameters with the
 * `openai` package's types, and `extra_body` for anything else (its fields are sent at the top
 * level, unchanged). A request typed as the `openai` package's `ChatCompletionCreateParams`
 * fits as it is.
 */
export interface ChatCompletionRequest {
  model: string;
  /** The chat so far: our {@link ChatMessage}s, or another library's typed messages (the openai package's). */
  messages: readonly (ChatMessage | ChatMessageFields)[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean; include_obfuscation?: boolean } | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stop?: string | readonly string[] | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  seed?: number | null;
  user?: string;
  /** Tool definitions (`{ type: "function", function: { name, parameters } }`, or a provider's own kinds). */
  tools?: readonly object[];
  tool_choice?: "none" | "auto" | "required" | object;
  parallel_tool_calls?: boolean;
  /** `{ type: "text" }`, `{ type: "json_object" }` or `{ type: "json_schema", json_schema }`. */
  response_format?: object;
  metadata?: Record<string, string> | null;
  store?: boolean | null;
  modalities?: readonly ("text" | "audio")[] | null;
  audio?: object | null;
  prediction?: object | null;
  reasoning_effort?:
    | "none"
    | "minimal"
    | "low"
    | "medium"
    | "high"
    | "xhigh"
    | (string & {})
    | null;
  service_tier?: "auto" | "default" | "flex" | "scale" | "priority" | null;
  verbosity?: "low" | "medium" | "high" | null;
  prompt_cache_key?: string | null;
  safety_identifier?: string | null;
  web_search_options?: object;
  /** @deprecated in the OpenAI API: use `tools`. */
  functions?: readonly object[];
  /** @deprecated in the OpenAI API: use `tool_choice`. */
  function_call?: "none" | "auto" | object;
  /** Provider-specific fields, sent at the top level of the body (see {@link ExtraBody}). */
  extra_body?: ExtraBody;
}

/** Token counts of a chat completion (the `openai` package's `CompletionUsage`). */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [field: string]: unknown;
}

/** The log probability of one token (`logprobs: true`). */
export interface TokenLogprob {
  token: string;
  bytes: number[] | null;
  logprob: number;
  top_logprobs: { token: string; bytes: number[] | null; logprob: number }[];
}

/** Log probabilities of a choice, when requested; `null` otherwise. */
export interface ChoiceLogprobs {
  content: TokenLogprob[] | null;
  refusal: TokenLogprob[] | null;
  [field: string]: unknown;
}

/** Why the model stopped. */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

/**
 * A chat-completion response (`choices[0].message.content`), assignable to the `openai`
 * package's `ChatCompletion` without a cast. Fields the proxy adds are kept (index signatures).
 */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      refusal: string | null;
      tool_calls?: ToolCall[];
      [field: string]: unknown;
    };
    finish_reason: FinishReason;
    logprobs: ChoiceLogprobs | null;
    [field: string]: unknown;
  }[];
  usage?: Usage;
  system_fingerprint?: string;
  [field: string]: unknown;
}

/**
 * One server-sent chunk of a streamed chat completion (`choices[0].delta.content`), assignable
 * to the `openai` package's `ChatCompletionChunk` without a cast.
 */
export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: {
    index: number;
    delta: {
      role?: "developer" | "system" | "user" | "assistant" | "tool";
      content?: string | null;
      refusal?: string | null;
      tool_calls?: (Partial<ToolCall> & { index: number })[];
      [field: string]: unknown;
    };
    finish_reason: FinishReason | null;
    logprobs?: ChoiceLogprobs | null;
    [field: string]: unknown;
  }[];
  usage?: Usage | null;
  system_fingerprint?: string;
  [field: string]: unknown;
}

/**
 * An embedding request: `model` and `input`, the OpenAI-compatible parameters, and
 * `extra_body` for anything else (its fields are sent at the top level, unchanged).
 */
export interface EmbeddingRequest {
  model: string;
  input: string | readonly string[] | readonly number[] | readonly (readonly number[])[];
  /** `"float"` (the default): vectors of numbers; `"base64"`: each vector as a base64 string. */
  encoding_format?: "float" | "base64";
  /** The number of dimensions of each vector, for models that can shorten them. */
  dimensions?: number;
  user?: string;
  /** Provider-specific fields, sent at the top level of the body (see {@link ExtraBody}). */
  extra_body?: ExtraBody;
}

/**
 * An embedding response (`data[0].embedding`): `number[]` vectors, or base64 strings when the
 * request asked for `encoding_format: "base64"`. `embedding()` picks the type from the request;
 * with `number[]` vectors it is assignable to the `openai` package's `CreateEmbeddingResponse`.
 */
export interface EmbeddingResponse<Vector extends number[] | string = number[] | string> {
  object: "list";
  model: string;
  data: { object: "embedding"; index: number; embedding: Vector }[];
  usage: { prompt_tokens: number; total_tokens: number; [field: string]: unknown };
  [field: string]: unknown;
}
