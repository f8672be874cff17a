import { ConfigurationError } from "@proxy-auth/core";

/**
 * How much of the proxy's answers the client reads before it gives up: a proxy, or anything
 * between the client and it, must not make the client allocate without bound.
 */
export interface ResponseLimits {
  /**
   * The largest body of a non-streamed answer, in bytes after decompression. Default
   * 134_217_728 (128 MiB): room for the largest embedding batch (2,048 inputs × 3,072
   * dimensions as JSON numbers). A larger answer is a `ProxyRequestError` naming this limit.
   */
  maxResponseBytes?: number;
  /**
   * The largest single server-sent event of a stream, in characters of decoded text (bytes, for
   * the ASCII JSON proxies send). Default 4_194_304 (4 MiB). A longer event is a
   * `ProxyRequestError` naming this limit.
   */
  maxEventBytes?: number;
  /**
   * How much of an error answer is read and kept on the `ProxyRequestError` (`body`), in bytes.
   * Default 65_536 (64 KiB); the rest is not read.
   */
  maxErrorBodyBytes?: number;
}

/** The defaults of {@link ResponseLimits}. */
export const DEFAULT_LIMITS: Required<ResponseLimits> = {
  maxResponseBytes: 128 * 1024 * 1024,
  maxEventBytes: 4 * 1024 * 1024,
  maxErrorBodyBytes: 64 * 1024,
};

const NAMES = Object.keys(DEFAULT_LIMITS) as (keyof ResponseLimits)[];

/**
 * The limits of one call: the call's, else the client's, else the defaults.
 *
 * @throws ConfigurationError when a limit is not a whole number of at least 1.
 */
export function resolveLimits(
  client: ResponseLimits,
  call: ResponseLimits | undefined,
  where: string,
): Required<ResponseLimits> {
  const limits = { ...DEFAULT_LIMITS };
  for (const name of NAMES) {
    const value = call?.[name] ?? client[name];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new ConfigurationError(`${where}: "${name}" must be a whole number of at least 1.`);
    }
    limits[name] = value;
  }
  return limits;
}
