/** A response body read up to a limit. */
export interface LimitedBody {
  /** The body as text (only the first `limit` bytes when `truncated`). */
  text: string;
  /** Whether the body went past the limit (the rest was not read: the stream was cancelled). */
  truncated: boolean;
}

/**
 * Reads a response body chunk by chunk and stops (cancelling the stream, which closes the
 * connection) as soon as it passes `limit` bytes. The bytes counted are the decoded ones the
 * runtime's `fetch` hands over, so a small gzip body that inflates without end stops at the same
 * limit as a large plain one.
 */
export async function readLimitedBody(response: Response, limit: number): Promise<LimitedBody> {
  if (response.body === null) return { text: "", truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let size = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (size + value.byteLength > limit) {
        parts.push(decoder.decode(value.subarray(0, limit - size), { stream: true }));
        await reader.cancel().catch(() => {});
        return { text: parts.join("") + decoder.decode(), truncated: true };
      }
      size += value.byteLength;
      parts.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    reader.releaseLock();
  }
  parts.push(decoder.decode());
  return { text: parts.join(""), truncated: false };
}
