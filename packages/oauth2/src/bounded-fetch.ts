import { TokenAcquisitionError } from "@proxy-auth/core";

/** Statuses whose responses cannot carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Wraps `fetch` so that no answer larger than `maxBytes` is read: a larger declared
 * `Content-Length` is refused before reading, and a body that grows past the limit is cancelled
 * at that point (the rest is never buffered). Either fails with a non-retryable
 * `TokenAcquisitionError`: asking again would get the same answer.
 */
export function boundedFetch(transport: typeof fetch, maxBytes: number): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const response = await transport(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    const tooLarge = () =>
      new TokenAcquisitionError(
        `The identity provider at ${url.origin}${url.pathname} answered HTTP ${response.status} with more than ${maxBytes} bytes (maxResponseBytes); the answer was not read.`,
        { status: response.status, retryable: false },
      );
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge();
    }
    if (response.body === null) return response;
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }) as typeof fetch;
}
