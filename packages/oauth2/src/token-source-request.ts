import { isRetryableStatus, TokenAcquisitionError } from "@proxy-auth/core";

/** Options every network token source accepts. */
export interface TokenSourceOptions {
  /** Timeout for one request, in milliseconds. Default 10_000. */
  timeoutMs?: number;
  /** Transport injection. Default the global `fetch`. */
  fetch?: typeof fetch;
}

/** The most a token source reads from a server: JWTs are a few kilobytes. */
export const TOKEN_SOURCE_LIMIT_BYTES = 64 * 1024;

/**
 * GETs `url` with a timeout (and the caller's signal) and returns the body as text, reading at
 * most {@link TOKEN_SOURCE_LIMIT_BYTES}. Failures are `TokenAcquisitionError`s naming `what` and
 * the endpoint (without its query), never the body or the headers sent.
 */
export async function requestTokenText(
  url: URL,
  headers: Record<string, string>,
  what: string,
  options: TokenSourceOptions & { signal?: AbortSignal; unreachable?: string },
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal =
    options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  const where = `${url.origin}${url.pathname}`;
  const transport = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await transport(url, { headers, signal, redirect: "error" });
  } catch (error) {
    throw failure(error, what, where, options.signal, timeout, timeoutMs, options.unreachable);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new TokenAcquisitionError(`${what}: ${where} answered HTTP ${response.status}.`, {
      status: response.status,
      retryable: isRetryableStatus(response.status),
    });
  }
  try {
    return await readLimitedText(response, TOKEN_SOURCE_LIMIT_BYTES, what);
  } catch (error) {
    if (TokenAcquisitionError.isInstance(error)) throw error;
    throw failure(error, what, where, options.signal, timeout, timeoutMs);
  }
}

function failure(
  error: unknown,
  what: string,
  where: string,
  callerSignal: AbortSignal | undefined,
  timeout: AbortSignal,
  timeoutMs: number,
  unreachable = "",
): unknown {
  if (callerSignal?.aborted) return callerSignal.reason;
  if (timeout.aborted) {
    return new TokenAcquisitionError(`${what}: ${where} did not answer within ${timeoutMs} ms.`, {
      retryable: true,
    });
  }
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return new TokenAcquisitionError(
    `${what}: could not reach ${where}${typeof code === "string" ? ` (${code})` : ""}.${unreachable}`,
    { retryable: code !== "ENOTFOUND" && code !== "EAI_AGAIN" },
  );
}

/** The body as UTF-8 text, refusing (and cancelling) bodies larger than `limit` bytes. */
async function readLimitedText(response: Response, limit: number, what: string): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new TokenAcquisitionError(`${what}: the answer is larger than ${limit} bytes.`, {
        status: response.status,
        retryable: false,
      });
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
