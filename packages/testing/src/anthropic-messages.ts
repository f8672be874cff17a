import { randomUUID } from "node:crypto";

/** The text of the last message in a chat or Messages API body (string or text-block content). */
export function lastMessageText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
  const content = messages.at(-1)?.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block: { type?: unknown; text?: unknown }) =>
      block?.type === "text" && typeof block.text === "string" ? block.text : "",
    )
    .join("");
}

/** An Anthropic Messages API answer (`POST /v1/messages`, as LiteLLM serves it): "Echo: <last message>". */
export function anthropicMessage(body: Record<string, unknown>) {
  const text = `Echo: ${lastMessageText(body)}`;
  return {
    id: `msg_${randomUUID().replaceAll("-", "")}`,
    type: "message",
    role: "assistant",
    model: String(body.model ?? "unknown"),
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: text.split(" ").length },
  };
}

/**
 * The same answer as Anthropic's streamed events (`message_start`, one `content_block_delta`
 * per word, `message_delta`, `message_stop`), each a server-sent event with its `event:` name.
 */
export function anthropicMessageEvents(body: Record<string, unknown>): string[] {
  const { content, usage, ...message } = anthropicMessage(body);
  const words = (content[0]?.text ?? "").split(/(?<= )/);
  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  return [
    event("message_start", {
      message: {
        ...message,
        content: [],
        stop_reason: null,
        usage: { input_tokens: usage.input_tokens, output_tokens: 1 },
      },
    }),
    event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    event("ping", {}),
    ...words.map((text) =>
      event("content_block_delta", { index: 0, delta: { type: "text_delta", text } }),
    ),
    event("content_block_stop", { index: 0 }),
    event("message_delta", {
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    }),
    event("message_stop", {}),
  ];
}
