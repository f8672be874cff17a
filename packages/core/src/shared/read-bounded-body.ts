/** A response body read up to a limit. */
export interface BoundedBody {
  /**
   * The bytes read: the whole body, or when `truncated` the first `maxBytes` of it (`"prefix"`)
   * or nothing (`"whole"`).
   */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Whether the body was larger than the limit (the rest was not read: the stream was cancelled). */
  readonly truncated: boolean;
}

/**
 * What to keep of a body larger than the limit: nothing, because the answer is refused
 * (`"whole"`: a token or a completion is useless cut), or its first bytes (`"prefix"`: an error
 * body kept for the message).
 */
export type OversizedBody = "whole" | "prefix";

const EMPTY = new Uint8Array(0);

/**
 * Reads a response body chunk by chunk and stops, cancelling the stream (which closes the
 * connection), as soon as it passes `maxBytes`; with `"whole"` a declared `Content-Length` over
 * the limit is refused before anything is read. The bytes counted are the decoded ones the
 * runtime's `fetch` hands over, so a small gzip body that inflates without end stops at the
 * same limit as a large plain one. Each chunk is copied into a buffer of its own size, so the
 * runtime's larger read buffers are not kept alive: a refused answer costs about the limit.
 */
export async function readBoundedBody(
  response: Response,
  maxBytes: number,
  oversized: OversizedBody = "whole",
): Promise<BoundedBody> {
  if (response.body === null) return { bytes: EMPTY, truncated: false };
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (oversized === "whole" && declared > maxBytes) {
    await response.body.cancel().catch(() => {});
    return { bytes: EMPTY, truncated: true };
  }
  const reader = response.body.getReader();
  let chunks: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (size + value.byteLength > maxBytes) {
        await reader.cancel().catch(() => {});
        if (oversized === "whole") {
          chunks = [];
          return { bytes: EMPTY, truncated: true };
        }
        chunks.push(value.slice(0, maxBytes - size));
        return { bytes: concatenate(chunks, maxBytes), truncated: true };
      }
      size += value.byteLength;
      chunks.push(value.slice());
    }
  } finally {
    reader.releaseLock();
  }
  return { bytes: concatenate(chunks, size), truncated: false };
}

/** Reads a body as {@link readBoundedBody} does and decodes it as UTF-8 text. */
export async function readBoundedText(
  response: Response,
  maxBytes: number,
  oversized: OversizedBody = "whole",
): Promise<{ readonly text: string; readonly truncated: boolean }> {
  const { bytes, truncated } = await readBoundedBody(response, maxBytes, oversized);
  return { text: new TextDecoder().decode(bytes), truncated };
}

function concatenate(chunks: Uint8Array<ArrayBuffer>[], size: number): Uint8Array<ArrayBuffer> {
  if (chunks.length === 1) return chunks[0] as Uint8Array<ArrayBuffer>;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
