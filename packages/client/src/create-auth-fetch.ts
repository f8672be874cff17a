import { ConfigurationError, type ProxyAuthHandler } from "@proxy-auth/core";
import { type AuthHeaderShape, authorizedSend, resolveAuthHeader } from "@proxy-auth/core/internal";
import { tokenFailureError } from "./proxy-request-error.js";
import { emitRequestEvent, errorCode } from "./request-events.js";

/** Options of {@link createAuthFetch}; `header` and `scheme` pick the header (default `Authorization: Bearer`). */
export interface AuthFetchOptions extends AuthHeaderShape {
  /** The fetch to wrap. Default the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * Only requests to these origins (`"https://my-proxy.example.com"`) get the token, so it never
   * travels to another host. Default: every request.
   */
  origins?: string[];
}

/**
 * Wraps `fetch` so every request (or every request to `origins`) carries
 * `Authorization: Bearer <token>` (or the header and scheme given), replacing any value the
 * caller set for that header. After a 401 it
 * invalidates that token and replays the request once with a fresh one, when the body can be
 * sent again (no body, a string, bytes, a Blob, form data, search params); a fresh token the
 * proxy refuses as well is not replaced again for 30 s (the proxy wants another scope or
 * audience: replacing it on every call would cost a grant per call). When no token can be had
 * (the handler's `onTokenError: "warn"`) the request goes without one, and a 401 it gets rejects
 * with a `ProxyRequestError` whose message and `cause` are the token failure, so the caller sees
 * `invalid_client` rather than the proxy's "missing bearer token". For any fetch-based client:
 * the AI SDK, LangChain, the openai package's `fetch` option.
 *
 * @example
 * ```ts
 * import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
 *
 * const provider = createOpenAICompatible({
 *   name: "litellm",
 *   baseURL: "https://my-proxy.example.com",
 *   fetch: createAuthFetch(handler, { origins: ["https://my-proxy.example.com"] }),
 * });
 * ```
 */
export function createAuthFetch(
  handler: ProxyAuthHandler,
  options: AuthFetchOptions = {},
): typeof fetch {
  const base = options.fetch ?? globalThis.fetch;
  if (typeof base !== "function") {
    throw new ConfigurationError(
      'createAuthFetch: no fetch is available; pass one as the "fetch" option.',
    );
  }
  const origins =
    options.origins === undefined ? undefined : new Set(options.origins.map(originOf));
  const shape = resolveAuthHeader(options, "createAuthFetch");

  const authFetch = async (
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    if (origins !== undefined && !origins.has(new URL(url).origin)) return base(input, init);
    // A Request's body can be read once: keep an unsent copy for the replay.
    const spare = input instanceof Request && input.body !== null ? input.clone() : undefined;
    // The signal the request itself follows: init's, else the Request's own.
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const result = await authorizedSend({
      handler,
      headerValue: shape.value,
      signal,
      replayable: spare !== undefined || isReplayable(init?.body),
      method: init?.method ?? (input instanceof Request ? input.method : "GET"),
      url,
      send: (header, replay, proof) => {
        // A DPoP nonce retry and a 401 replay may both need the body: each takes its own copy.
        const request = replay && spare !== undefined ? spare.clone() : input;
        return base(request, withAuthorization(request, init, header, shape.name, proof));
      },
      status: (response) => response.status,
      header: (response, name) => response.headers.get(name),
      discard: (response) => response.body?.cancel().catch(() => {}),
      onReplay: () => emitRequestEvent(handler, { type: "request.replayed", scope: handler.scope }),
      onFallback: (error) =>
        emitRequestEvent(handler, {
          type: "request.fallback",
          scope: handler.scope,
          fallback: "none",
          code: errorCode(error),
        }),
    });
    const { response, tokenError, token } = result;
    if (response.status === 401 && tokenError !== undefined) {
      // The proxy's "missing bearer token" hides the cause: the caller gets the real one, as
      // completion() and the openai adapter give it.
      await response.body?.cancel().catch(() => {});
      const origin = new URL(url).origin;
      throw tokenFailureError(origin, response.status, undefined, tokenError, token !== undefined);
    }
    return response;
  };
  return authFetch as typeof fetch;
}

function withAuthorization(
  input: string | URL | Request,
  init: RequestInit | undefined,
  header: string | undefined,
  name: string,
  proof: string | undefined,
): RequestInit | undefined {
  if (header === undefined) return init;
  const headers = new Headers(
    init?.headers ?? (input instanceof Request ? input.headers : undefined),
  );
  headers.set(name, header);
  if (proof !== undefined) headers.set("dpop", proof);
  return { ...init, headers };
}

function isReplayable(body: RequestInit["body"] | undefined): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === "string" ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof FormData ||
    body instanceof URLSearchParams
  );
}

function originOf(value: string): string {
  try {
    return new URL(value).origin;
  } catch {
    throw new ConfigurationError(
      `createAuthFetch: "${value}" in "origins" is not a URL such as "https://my-proxy.example.com".`,
    );
  }
}
