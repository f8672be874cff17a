import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the backend received from the proxy. */
export interface BackendRequest {
  path: string;
  /** Headers as received, lower-cased names. */
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

/** A loopback OpenAI-compatible model server: what LiteLLM forwards to (`api_base`). */
export interface BackendStub {
  /** `http://127.0.0.1:PORT/v1`, for `api_base`. */
  readonly apiBase: string;
  readonly requests: readonly BackendRequest[];
  /** Streamed chunks are sent this far apart, in milliseconds. */
  streamIntervalMs: number;
  /** When the last streamed chunk was written (ms since epoch), per completed stream. */
  readonly streamsEndedAt: readonly number[];
  close(): Promise<void>;
}

/** The vector every input gets (exact in float32, so base64 answers compare equal). */
export const EMBEDDING = [0.5, 0.25, 0.125];

/** The words a streamed answer is made of, one chunk each. */
export const STREAM_WORDS = ["one", "two", "three", "four", "five"];

/**
 * Starts the stub: `POST /v1/chat/completions` (JSON, or SSE with `stream: true`) and
 * `POST /v1/embeddings`. It checks no key (the proxy holds the backend's key) and records
 * every request, so a test can see what reaches the model server.
 */
export async function startBackendStub(): Promise<BackendStub> {
  const requests: BackendRequest[] = [];
  const streamsEndedAt: number[] = [];
  const stub = { streamIntervalMs: 150 };
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    const path = new URL(request.url ?? "/", "http://stub").pathname;
    requests.push({ path, headers: request.headers, body });
    const model = String(body.model ?? "stub");
    if (path.endsWith("/embeddings")) {
      const inputs: unknown[] = Array.isArray(body.input) ? body.input : [body.input];
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          object: "list",
          model,
          data: inputs.map((_, index) => ({
            object: "embedding",
            index,
            // The openai package asks for base64 (little-endian float32) by default.
            embedding:
              body.encoding_format === "base64"
                ? Buffer.from(new Float32Array(EMBEDDING).buffer).toString("base64")
                : EMBEDDING,
          })),
          usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
        }),
      );
      return;
    }
    if (!path.endsWith("/chat/completions")) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: `no route ${path}` } }));
      return;
    }
    const base = { id: "chatcmpl-stub", created: Math.floor(Date.now() / 1000), model };
    if (body.stream === true) {
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      for (const [index, word] of STREAM_WORDS.entries()) {
        const delta = index === 0 ? { role: "assistant", content: word } : { content: ` ${word}` };
        const chunk = {
          ...base,
          object: "chat.completion.chunk",
          choices: [{ index: 0, delta, finish_reason: null }],
        };
        response.write(`data: ${JSON.stringify(chunk)}\n\n`);
        await new Promise((resolve) => setTimeout(resolve, stub.streamIntervalMs));
      }
      const last = {
        ...base,
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
      };
      response.write(`data: ${JSON.stringify(last)}\n\ndata: [DONE]\n\n`);
      streamsEndedAt.push(Date.now());
      response.end();
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        ...base,
        object: "chat.completion",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: "Hello from the backend stub" },
            finish_reason: "stop",
          },
        ],
        usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(stub, {
    apiBase: `http://127.0.0.1:${port}/v1`,
    requests,
    streamsEndedAt,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
