import {
  CredentialUnavailableError,
  isRetryableStatus,
  TokenAcquisitionError,
} from "@proxy-auth/core";
import {
  ABSENT_SERVER_CODES,
  Deadline,
  describeNoAnswer,
  requestFailure,
} from "@proxy-auth/core/internal";
import { boundedFetch } from "./bounded-fetch.js";

/** Options every network token source accepts. */
export interface TokenSourceOptions {
  /** Timeout for one request, in milliseconds. Default 10_000. */
  timeoutMs?: number;
  /** Transport injection. Default the global `fetch`. */
  fetch?: typeof fetch;
}

/** The most a token source reads: JWTs are a few kilobytes. */
export const TOKEN_SOURCE_LIMIT_BYTES = 64 * 1024;

/**
 * GETs `url` with a timeout (and the caller's signal) and returns the body as text, reading at
 * most {@link TOKEN_SOURCE_LIMIT_BYTES}. Failures are typed and name `what` and the endpoint
 * (without its query), never the body or the headers sent. With `absent`, a server that does
 * not exist here is a `CredentialUnavailableError` ending with that hint.
 */
export async function requestTokenText(
  url: URL,
  headers: Record<string, string>,
  what: string,
  options: TokenSourceOptions & { signal?: AbortSignal; absent?: string },
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = new Deadline(timeoutMs, options.signal);
  const { signal } = deadline;
  const where = `${url.origin}${url.pathname}`;
  const transport = boundedFetch(options.fetch ?? globalThis.fetch, TOKEN_SOURCE_LIMIT_BYTES);
  try {
    const response = await transport(url, { headers, signal, redirect: "error" });
    if (!response.ok) {
      throw new TokenAcquisitionError(`${what}: ${where} answered HTTP ${response.status}.`, {
        status: response.status,
        retryable: isRetryableStatus(response.status),
      });
    }
    return await response.text();
  } catch (error) {
    const failure = requestFailure(error, options.signal, deadline);
    if (failure.kind === "aborted") throw failure.reason;
    if (failure.kind === "typed") throw failure.error;
    if (failure.kind === "network" && options.absent !== undefined) {
      const { code } = failure;
      if (code !== undefined && ABSENT_SERVER_CODES.has(code)) {
        throw new CredentialUnavailableError(
          `${what}: no server at ${where} (${code}).${options.absent}`,
        );
      }
    }
    const { message } = describeNoAnswer(failure, `server at ${where}`, timeoutMs, error);
    throw new TokenAcquisitionError(`${what}: ${message}`, { retryable: true });
  } finally {
    deadline.clear();
  }
}
