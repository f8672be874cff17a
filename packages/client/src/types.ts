/** One message of a chat (OpenAI-compatible). Extra fields pass through unchanged. */
export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool" | (string & {});
  /** Text, content parts (images, audio…), or null for an assistant turn with only tool calls. */
  content: string | Record<string, unknown>[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  [field: string]: unknown;
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
  messages: ChatMessage[];
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
  [field: string]: unknown;
}

/** An embedding response (`data[0].embedding`). */
export interface EmbeddingResponse {
  object: "list";
  model: string;
  data: { object: "embedding"; index: number; embedding: number[] | string }[];
  usage?: Usage;
  [field: string]: unknown;
}
