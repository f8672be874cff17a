/**
 * The fields of a chat message every OpenAI-compatible API knows. A history typed with the
 * `openai` package's `ChatCompletionMessageParam[]` matches it as it is.
 */
export interface ChatMessageFields {
  role: "system" | "developer" | "user" | "assistant" | "tool" | (string & {});
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

/**
 * A chat-completion request: `model` and `messages`, and any other field of the
 * OpenAI-compatible API or of the provider behind the proxy (`temperature`, `tools`,
 * `response_format`, `metadata`…), all sent unchanged.
 */
export interface ChatCompletionRequest {
  model: string;
  /** The chat so far: our {@link ChatMessage}s, or another library's typed messages (the openai package's). */
  messages: readonly (ChatMessage | ChatMessageFields)[];
  stream?: boolean;
  [field: string]: unknown;
}

/** Token counts of a response. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens?: number;
  total_tokens: number;
  [field: string]: unknown;
}

/** A chat-completion response (`choices[0].message.content`). */
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
      tool_calls?: ToolCall[];
      [field: string]: unknown;
    };
    finish_reason:
      | "stop"
      | "length"
      | "tool_calls"
      | "content_filter"
      | "function_call"
      | (string & {})
      | null;
    logprobs?: unknown;
  }[];
  usage?: Usage;
  system_fingerprint?: string | null;
  [field: string]: unknown;
}

/** One server-sent chunk of a streamed chat completion (`choices[0].delta.content`). */
export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: {
    index: number;
    delta: {
      role?: string;
      content?: string | null;
      tool_calls?: (Partial<ToolCall> & { index: number })[];
      [field: string]: unknown;
    };
    finish_reason: string | null;
    logprobs?: unknown;
  }[];
  usage?: Usage | null;
  [field: string]: unknown;
}

/** An embedding request: `model` and `input`, and any other field, sent unchanged. */
export interface EmbeddingRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  /** `"float"` (the default): vectors of numbers; `"base64"`: each vector as a base64 string. */
  encoding_format?: "float" | "base64" | (string & {});
  [field: string]: unknown;
}

/**
 * An embedding response (`data[0].embedding`): `number[]` vectors, or base64 strings when the
 * request asked for `encoding_format: "base64"`. `embedding()` picks the type from the request.
 */
export interface EmbeddingResponse<Vector extends number[] | string = number[] | string> {
  object: "list";
  model: string;
  data: { object: "embedding"; index: number; embedding: Vector }[];
  usage?: Usage;
  [field: string]: unknown;
}
