import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { describe, expectTypeOf, it } from "vitest";
import { completion, embedding } from "../src/index.js";
import type { EmbeddingFunction } from "../src/proxy-client.js";

describe("types a user of the openai package brings", () => {
  it("a chat history typed with openai's ChatCompletionMessageParam[] is accepted as messages", () => {
    const history: ChatCompletionMessageParam[] = [
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "Hi" }] },
      {
        role: "assistant",
        tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "c1", content: "42" },
    ];
    expectTypeOf(completion).toBeCallableWith({ model: "gpt-4", messages: history });
  });

  it("embedding() is number[] unless the request asks for base64", () => {
    type Floats = Awaited<ReturnType<typeof floats>>;
    const floats = () => embedding({ model: "m", input: "x" });
    const base64 = () => embedding({ model: "m", input: "x", encoding_format: "base64" });
    expectTypeOf<Floats["data"][number]["embedding"]>().toEqualTypeOf<number[]>();
    expectTypeOf<
      Awaited<ReturnType<typeof base64>>["data"][number]["embedding"]
    >().toEqualTypeOf<string>();
    expectTypeOf<EmbeddingFunction>().toBeFunction();
  });
});
