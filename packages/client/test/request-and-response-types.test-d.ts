import type OpenAI from "openai";
import { describe, expectTypeOf, it } from "vitest";
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  completion,
  createClient,
  type EmbeddingRequest,
  type EmbeddingResponse,
  embedding,
} from "../src/index.js";

const messages = [{ role: "user" as const, content: "Hello!" }];

describe("requests are as strict as the openai package's", () => {
  it("refuses an unknown role, a misspelt parameter and a number given as text", () => {
    // @ts-expect-error: "usr" is not a role
    completion({ model: "m", messages: [{ role: "usr", content: "hi" }] });
    // @ts-expect-error: "temprature" is not a parameter (extras go in extra_body)
    completion({ model: "m", messages, temprature: 0.2 });
    // @ts-expect-error: max_tokens is a number
    completion({ model: "m", messages, max_tokens: "ten" });
    // @ts-expect-error: stop is text or a list of texts
    completion({ model: "m", messages, stop: 3 });
    // @ts-expect-error: dimensions is a number
    embedding({ model: "m", input: "x", dimensions: "256" });
    // @ts-expect-error: "vectors" is not an embedding parameter
    embedding({ model: "m", input: "x", vectors: 2 });
  });

  it("accepts the known parameters, and provider extras through extra_body", () => {
    expectTypeOf(completion).toBeCallableWith({
      model: "m",
      messages,
      temperature: 0.2,
      max_tokens: 10,
      stop: ["\n"],
      tools: [{ type: "function", function: { name: "f", parameters: {} } }],
      tool_choice: "auto",
      response_format: { type: "json_object" },
      extra_body: { mock_response: "hi", fallbacks: ["gpt-4o"], top_k: 5 },
    });
    expectTypeOf(embedding).toBeCallableWith({
      model: "m",
      input: ["a", "b"],
      dimensions: 256,
      extra_body: { input_type: "query" },
    });
  });

  it("takes requests typed with the openai package's own parameter types", () => {
    expectTypeOf<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming>().toExtend<ChatCompletionRequest>();
    expectTypeOf<OpenAI.EmbeddingCreateParams>().toExtend<EmbeddingRequest>();
  });
});

describe("responses are assignable to the openai package's types, without a cast", () => {
  it("a chat completion, a streamed chunk and an embedding response", async () => {
    const client = createClient({ apiBase: "https://proxy.example" });
    const answer: OpenAI.Chat.ChatCompletion = await client.completion({ model: "m", messages });
    const stream = await client.completion({ model: "m", messages, stream: true });
    for await (const chunk of stream) {
      const typed: OpenAI.Chat.ChatCompletionChunk = chunk;
      expectTypeOf(typed).not.toBeAny();
    }
    const vectors: OpenAI.CreateEmbeddingResponse = await client.embedding({
      model: "m",
      input: "x",
    });
    expectTypeOf(answer).not.toBeAny();
    expectTypeOf(vectors).not.toBeAny();
    expectTypeOf<ChatCompletion>().toExtend<OpenAI.Chat.ChatCompletion>();
    expectTypeOf<ChatCompletionChunk>().toExtend<OpenAI.Chat.ChatCompletionChunk>();
    expectTypeOf<EmbeddingResponse<number[]>>().toExtend<OpenAI.CreateEmbeddingResponse>();
  });
});
