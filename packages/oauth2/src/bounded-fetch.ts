import { TokenAcquisitionError } from "@proxy-auth/core";
import { readBoundedBody } from "@proxy-auth/core/internal";

/** Statuses whose responses cannot carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Wraps `fetch` so that no answer larger than `maxBytes` is read (core's `readBoundedBody`: a
 * larger declared `Content-Length` is refused before reading, a body that grows past the limit
 * is cancelled at that point). Either fails with a non-retryable `TokenAcquisitionError`: asking
 * again would get the same answer.
 */
export function boundedFetch(transport: typeof fetch, maxBytes: number): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const response = await transport(input, init);
    const { bytes, truncated } = await readBoundedBody(response, maxBytes, "whole");
    if (truncated) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      throw new TokenAcquisitionError(
        `The identity provider at ${url.origin}${url.pathname} answered HTTP ${response.status} with more than ${maxBytes} bytes (maxResponseBytes); the answer was not read.`,
        { status: response.status, retryable: false },
      );
    }
    if (response.body === null) return response;
    return new Response(NULL_BODY_STATUSES.has(response.status) ? null : bytes, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }) as typeof fetch;
}
