import { describe, expect, it } from "vitest";
import { readBoundedBody, readBoundedText } from "./read-bounded-body.js";

/** A response whose body arrives in these chunks, recording whether the stream was cancelled. */
function chunked(chunks: string[], headers: Record<string, string> = {}) {
  const state = { pulled: 0, cancelled: false };
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[state.pulled++];
      if (next === undefined) controller.close();
      else controller.enqueue(encoder.encode(next));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { response: new Response(body, { headers }), state };
}

describe("readBoundedBody", () => {
  it("reads a body within the limit whole", async () => {
    const { response } = chunked(["ab", "cd", "e"]);
    const { bytes, truncated } = await readBoundedBody(response, 5);
    expect(truncated).toBe(false);
    expect(new TextDecoder().decode(bytes)).toBe("abcde");
  });

  it('"whole": a body past the limit is cancelled at that chunk and nothing is kept', async () => {
    const { response, state } = chunked(["ab", "cd", "ef", "gh"]);
    const { bytes, truncated } = await readBoundedBody(response, 5, "whole");
    expect(truncated).toBe(true);
    expect(bytes.byteLength).toBe(0);
    expect(state).toEqual({ pulled: 3, cancelled: true });
  });

  it('"whole": a declared Content-Length over the limit is refused before any read', async () => {
    const { response, state } = chunked(["abcdef"], { "content-length": "6" });
    const { truncated } = await readBoundedBody(response, 5, "whole");
    expect(truncated).toBe(true);
    expect(state).toEqual({ pulled: 0, cancelled: true });
  });

  it('"prefix": keeps exactly the first bytes, even with a larger Content-Length', async () => {
    const { response, state } = chunked(["ab", "cdef", "gh"], { "content-length": "8" });
    const { text, truncated } = await readBoundedText(response, 5, "prefix");
    expect({ text, truncated }).toEqual({ text: "abcde", truncated: true });
    expect(state.cancelled).toBe(true);
  });

  it("a response without a body is empty", async () => {
    const read = await readBoundedText(new Response(null, { status: 204 }), 5);
    expect(read).toEqual({ text: "", truncated: false });
  });
});
