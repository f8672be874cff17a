import { ConfigurationError, type Logger, type ProxyAuthHandler } from "@proxy-auth/core";
import {
  type AuthHeader,
  type AuthHeaderShape,
  consoleLogger,
  functionOption,
  httpUrlOption,
  loggerOption,
  numberOption,
  optionError,
  resolveAuthHeader,
  sleep,
  stringOption,
} from "@proxy-auth/core/internal";
import { mergeHeaders } from "./merge-headers.js";
import { type HeadersInput, headerRecord } from "./request-headers.js";
import { type ResponseLimits, resolveLimits } from "./response-limits.js";

/** Per-call options of `completion()` and `embedding()`. */
export interface RequestOptions extends ResponseLimits {
  /** Overrides the configured base URL for this call. */
  apiBase?: string;
  /**
   * Extra headers: a record, a `Headers` object or `[name, value]` pairs. The injected
   * `Authorization` wins over one given here, as in LiteLLM's Python SDK. An invalid name or a
   * value with a line break is a `ConfigurationError` at once.
   */
  headers?: HeadersInput;
  /** Timeout of one attempt, in milliseconds (for streams: the longest silence). Default 600_000. */
  timeoutMs?: number;
  /** Aborts the call; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Retries of 408, 429, 5xx and network errors. Default 2. A 401 is handled apart (one replay). */
  maxRetries?: number;
}

/**
 * Options of `createClient()`. `header` and `scheme` ({@link AuthHeaderShape}) pick the header
 * that carries the token (and a static `apiKey`); default `Authorization: Bearer`.
 */
export interface ClientOptions extends AuthHeaderShape, ResponseLimits {
  /** The proxy's base URL, e.g. `"https://my-proxy.example.com"` (or with `/v1`). */
  apiBase?: string;
  /** Adds `Authorization: Bearer <token>` to every request, refreshing tokens as needed. */
  proxyAuth?: ProxyAuthHandler;
  /** A static key: used without `proxyAuth`, or as the fallback when token retrieval fails in "warn" mode. */
  apiKey?: string;
  /** Headers sent with every request: a record, a `Headers` object or `[name, value]` pairs. */
  headers?: HeadersInput;
  /** Default timeout of one attempt, in milliseconds. Default 600_000. */
  timeoutMs?: number;
  /** Default retries of 408, 429, 5xx and network errors. Default 2. */
  maxRetries?: number;
  /** Transport injection. Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Test hooks (waiting, jitter): not part of the public API; they may change in any release. */
  _internal?: ClientInternals;
  /** Clock in milliseconds. Default `Date.now` (inject one in tests). */
  now?: () => number;
  /**
   * Where the client's warnings go (a plain-http proxy that is not on this machine). Default:
   * the console.
   */
  logger?: Logger;
}

/** Test hooks of {@link ClientOptions} (`_internal`): not part of the public API. */
export interface ClientInternals {
  /** Waits between retries. Default a `setTimeout`. */
  sleep?: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
  /** Random numbers in [0, 1) for backoff jitter. Default `Math.random`. */
  random?: () => number;
}

/** Everything one call needs, validated and with defaults. */
export interface CallSettings {
  /** The proxy's base URL, without trailing slashes. */
  base: string;
  url: (path: string) => string;
  proxyAuth: ProxyAuthHandler | undefined;
  apiKey: string | undefined;
  authHeader: AuthHeader;
  headers: Record<string, string> | undefined;
  timeoutMs: number;
  maxRetries: number;
  limits: Required<ResponseLimits>;
  signal: AbortSignal | undefined;
  fetch: typeof fetch;
  sleep: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
  logger: Logger;
}

/** The header shape of each validated client, resolved once when its options were checked. */
const resolvedHeaders = new WeakMap<ClientOptions, AuthHeader>();

/**
 * Validates a client's options where they are given.
 *
 * @throws ConfigurationError naming the option and what to change.
 */
export function validateClientOptions(options: unknown, where: string): ClientOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError(`${where}: options must be an object.`);
  }
  const given = { ...(options as ClientOptions) };
  given.headers = headerRecord(given.headers, `${where}: "headers"`);
  // Checked and trimmed once here, so calls need not parse it again.
  if (given.apiBase !== undefined) given.apiBase = baseUrl(given.apiBase, `${where}: "apiBase"`);
  if (given.proxyAuth !== undefined) {
    const handler = given.proxyAuth as Partial<ProxyAuthHandler> | null;
    if (typeof handler?.authorize !== "function" || typeof handler.invalidate !== "function") {
      throw optionError(where, "proxyAuth", "a ProxyAuthHandler", handler);
    }
  }
  if (given.apiKey !== undefined) stringOption(where, "apiKey", given.apiKey);
  if (given.apiKey !== undefined && /[\r\n\0]/.test(given.apiKey)) {
    throw new ConfigurationError(`${where}: "apiKey" contains a line break or NUL.`);
  }
  resolveLimits(given, undefined, where);
  loggerOption(where, "logger", given.logger);
  resolvedHeaders.set(given, resolveAuthHeader(given, where));
  numberOption(where, "timeoutMs", given.timeoutMs, 0, { minimum: 1, integer: true });
  numberOption(where, "maxRetries", given.maxRetries, 0, { minimum: 0, integer: true });
  for (const name of ["fetch", "now"] as const) functionOption(where, name, given[name], undefined);
  const internals = given._internal ?? {};
  for (const name of ["sleep", "random"] as const) {
    functionOption(where, `_internal.${name}`, internals[name], undefined);
  }
  return given;
}

/** Combines validated client options and call options into the settings of one call. */
export function callSettings(
  client: ClientOptions,
  options: RequestOptions | undefined,
  where: string,
): CallSettings {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new ConfigurationError(
      `${where}: the second argument (request options) must be an object.`,
    );
  }
  const call = options ?? {};
  const headers = headerRecord(call.headers, `${where}: "headers"`);
  const limits = resolveLimits(client, call, where);
  numberOption(where, "timeoutMs", call.timeoutMs, 0, { minimum: 1, integer: true });
  numberOption(where, "maxRetries", call.maxRetries, 0, { minimum: 0, integer: true });
  const root =
    call.apiBase === undefined ? client.apiBase : baseUrl(call.apiBase, `${where}: "apiBase"`);
  if (root === undefined) {
    throw new ConfigurationError(
      `${where}: no proxy address. Set litellm.apiBase = "https://my-proxy.example.com" (or createClient({ apiBase })), pass { apiBase } with the call, or set litellm.useLitellmProxy = true with LITELLM_PROXY_API_BASE in the environment.`,
    );
  }
  const transport = client.fetch ?? globalThis.fetch;
  if (typeof transport !== "function") {
    throw new ConfigurationError(
      `${where}: no fetch is available; pass one as the "fetch" option of createClient().`,
    );
  }
  return {
    base: root,
    url: (path) => `${root}${path}`,
    proxyAuth: client.proxyAuth,
    apiKey: client.apiKey,
    authHeader: resolvedHeaders.get(client) ?? resolveAuthHeader(client, where),
    headers:
      client.headers === undefined && headers === undefined
        ? undefined
        : mergeHeaders(client.headers as Record<string, string> | undefined, headers),
    timeoutMs: call.timeoutMs ?? client.timeoutMs ?? 600_000,
    maxRetries: call.maxRetries ?? client.maxRetries ?? 2,
    limits,
    signal: call.signal,
    fetch: transport,
    sleep: client._internal?.sleep ?? sleep,
    random: client._internal?.random ?? Math.random,
    now: client.now ?? Date.now,
    logger: client.logger ?? consoleLogger,
  };
}

/** The base URL without trailing slashes, checked by core's one URL rule. */
function baseUrl(value: unknown, name: string): string {
  httpUrlOption(name, value, {
    credentialsHint: 'the proxy authenticates with the token (proxyAuth) or "apiKey"',
  });
  return (value as string).replace(/\/+$/, "");
}
