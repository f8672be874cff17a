import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import { anthropicMessage, anthropicMessageEvents, lastMessageText } from "./anthropic-messages.js";
import { createDPoPCheck, type DPoPCheckOptions, dpopToken } from "./dpop-proof-verifier.js";
import { type Fault, FaultQueue, readBody, respondWithFault, sleep } from "./fault.js";

/** Options of {@link startMockProxy}. */
export interface MockProxyOptions {
  /** The identity provider's JWKS endpoint: every bearer token is verified against it. */
  jwksUrl: string;
  /** When set, the token's `iss` must equal it. */
  issuer?: string;
  /** When set, the token's `aud` must contain it. */
  audience?: string;
  /** When set, the token's `scope` must contain it (403 otherwise). */
  requiredScope?: string;
  /** Clock for `exp`/`nbf` checks in seconds. Default the system clock. */
  currentDate?: () => Date;
  /**
   * Where the token is read, as a gateway other than LiteLLM reads it: Cloudflare AI Gateway
   * `{ header: "cf-aig-authorization" }`, Portkey `{ header: "x-portkey-api-key", scheme: null }`,
   * Anthropic-style `{ header: "x-api-key", scheme: null }`. Default `Authorization` / `Bearer`;
   * a `null` or `""` scheme means the bare token.
   */
  authHeader?: { header?: string; scheme?: string | null };
  /**
   * DPoP (RFC 9449): `Authorization: DPoP <token>` requests are always checked (proof, binding,
   * replay); a DPoP-bound token sent as a bearer token is always refused. These options require
   * DPoP of every caller, require the proxy's nonce, or set the `iat` window.
   */
  dpop?: DPoPCheckOptions;
}

/** One request the proxy received. */
export interface RecordedProxyRequest {
  method: string;
  /** The path as received, e.g. `/v1/chat/completions`. */
  path: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: unknown;
  /** The token, when one was sent in the configured header. */
  token?: string;
  /** The verified claims, when the token was accepted. */
  claims?: JWTPayload;
  /** The status the proxy answered. */
  status: number;
  /** For a stream: true when the client closed the connection before the last event. */
  streamClosedEarly?: boolean;
  /** Why the request was rejected, when it was. */
  rejection?: string;
}

/** A running mock LiteLLM proxy. */
export interface MockProxy {
  /** The base URL (`http://127.0.0.1:PORT`); OpenAI-style routes also answer under `/v1`. */
  readonly url: string;
  /** Every request so far, oldest first. */
  readonly requests: readonly RecordedProxyRequest[];
  /** Requests rejected with 401 or 403. */
  readonly rejected: number;
  /** Pause between streamed events, in milliseconds. Default 0. */
  streamDelayMs: number;
  /** Refuses this token from now on (401), as after a revocation, though it is still valid. */
  revoke(token: string): void;
  /** Injects `fault` into the next `times` requests (default 1; `Infinity` until cleared). */
  injectFault(fault: Fault, times?: number): void;
  /** Drops every injected fault. */
  clearFaults(): void;
  /** Forgets the recorded requests. */
  resetRecords(): void;
  /** Stops the server and ends every open connection. */
  close(): Promise<void>;
}

/**
 * Starts an OpenAI-compatible stand-in for a LiteLLM proxy on an ephemeral 127.0.0.1 port. Like
 * LiteLLM's JWT auth, it verifies every bearer JWT against the identity provider's JWKS
 * (signature, `exp` with zero leeway, issuer and audience when configured) and answers 401 for a
 * missing, invalid or expired token and 403 for a missing required scope; DPoP-bound tokens are
 * checked as RFC 9449 asks (see the `dpop` option). It serves
 * `POST /chat/completions` (JSON, or SSE with `stream: true`) and `POST /embeddings`, with and
 * without the `/v1` prefix, and under Azure OpenAI's `/openai/deployments/{name}` paths; and
 * Anthropic's `POST /v1/messages` (JSON, or Anthropic's streamed events), as LiteLLM does.
 *
 * @example
 * ```ts
 * const proxy = await startMockProxy({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience });
 * ```
 */
export async function startMockProxy(options: MockProxyOptions): Promise<MockProxy> {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl));
  const faults = new FaultQueue();
  const requests: RecordedProxyRequest[] = [];
  const revoked = new Set<string>();
  let rejected = 0;
  const readToken = tokenReader(options.authHeader);
  const dpop = createDPoPCheck(options.dpop);

  const verify = async (token: string): Promise<JWTPayload> => {
    const { payload } = await jwtVerify(token, jwks, {
      clockTolerance: 0,
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      ...(options.currentDate === undefined ? {} : { currentDate: options.currentDate() }),
    });
    return payload;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://proxy");
    const text = await readBody(request);
    const record: RecordedProxyRequest = {
      method: request.method ?? "GET",
      path: url.pathname,
      headers: { ...request.headers },
      body: parseJson(text),
      status: 0,
    };
    requests.push(record);
    const fault = faults.take();
    if (fault?.kind === "delay") await sleep(fault.ms);
    if (fault !== undefined && respondWithFault(fault, request, response)) {
      record.status = fault.kind === "status" ? fault.status : fault.kind === "nonJson" ? 200 : 0;
      return;
    }
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(JSON.stringify(body));
    };
    // The real LiteLLM proxy's auth error: this body, and no WWW-Authenticate header.
    const reject = (
      status: 401 | 403,
      reason: string,
      shown = reason,
      headers: Record<string, string> = {},
    ) => {
      rejected++;
      record.rejection = reason;
      reply(
        status,
        {
          error: {
            message: `Authentication Error, ${shown}`,
            type: "auth_error",
            param: "None",
            code: String(status),
          },
        },
        headers,
      );
    };

    // OpenAI-style paths, with or without /v1, and Azure OpenAI's per-deployment paths.
    const route = url.pathname
      .replace(/^\/v1(?=\/)/, "")
      .replace(/^\/openai\/deployments\/[^/]+(?=\/)/, "");
    const routes = ["/chat/completions", "/embeddings", "/messages"];
    if (
      request.method !== "POST" ||
      !routes.includes(route) ||
      (route === "/messages" && url.pathname !== "/v1/messages")
    ) {
      reply(404, {
        error: { message: `No route for ${request.method} ${url.pathname}`, type: "not_found" },
      });
      return;
    }
    const boundToken = dpopToken(request);
    const token = boundToken ?? readToken(request);
    if (token === undefined) {
      reject(401, "missing bearer token");
      return;
    }
    record.token = token;
    if (revoked.has(token)) {
      reject(401, "token revoked");
      return;
    }
    try {
      record.claims = await verify(token);
    } catch (error) {
      const code = (error as { code?: string }).code;
      // LiteLLM's JWT auth words an expired token "Token Expired".
      reject(
        401,
        `invalid token (${code ?? "unverifiable"})`,
        code === "ERR_JWT_EXPIRED" ? "Token Expired" : undefined,
      );
      return;
    }
    const refusal = await dpop.check(request, token, record.claims, boundToken !== undefined);
    if (refusal !== undefined) {
      reject(401, refusal.reason, undefined, refusal.headers);
      return;
    }
    const granted = String(record.claims.scope ?? "").split(" ");
    if (options.requiredScope !== undefined && !granted.includes(options.requiredScope)) {
      reject(403, `token lacks the scope "${options.requiredScope}"`);
      return;
    }
    if (typeof record.body !== "object" || record.body === null) {
      reply(400, {
        error: { message: "The body must be a JSON object.", type: "invalid_request_error" },
      });
      return;
    }
    const body = record.body as Record<string, unknown>;
    if (route === "/embeddings") {
      reply(200, embeddingsResponse(body));
    } else if (body.stream === true) {
      record.status = 200;
      const events = route === "/messages" ? anthropicMessageEvents(body) : chatEvents(body);
      record.streamClosedEarly = !(await writeEvents(events, response, proxy.streamDelayMs));
    } else {
      reply(200, route === "/messages" ? anthropicMessage(body) : chatResponse(body));
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: String(error), type: "mock_proxy_error" } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const proxy: MockProxy = {
    url,
    requests,
    get rejected() {
      return rejected;
    },
    streamDelayMs: 0,
    revoke: (token) => {
      revoked.add(token);
    },
    injectFault: (fault, times) => faults.add(fault, times),
    clearFaults: () => faults.clear(),
    resetRecords: () => {
      requests.length = 0;
      rejected = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return proxy;
}

function parseJson(text: string): unknown {
  try {
    return text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads the token from the configured header; undefined when it is missing or malformed. */
function tokenReader(
  shape: MockProxyOptions["authHeader"],
): (request: IncomingMessage) => string | undefined {
  const name = (shape?.header ?? "authorization").toLowerCase();
  const scheme = shape?.scheme === undefined ? "Bearer" : (shape.scheme ?? "");
  return (request) => {
    const value = request.headers[name];
    if (typeof value !== "string" || value.length === 0) return undefined;
    if (scheme === "") return value;
    const prefix = `${scheme.toLowerCase()} `;
    if (!value.toLowerCase().startsWith(prefix) || value.length === prefix.length) return undefined;
    return value.slice(prefix.length);
  };
}

/** The answer is predictable so tests can check it: "Echo: <last user message>". */
function chatResponse(body: Record<string, unknown>) {
  const content = `Echo: ${lastMessageText(body)}`;
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: String(body.model ?? "unknown"),
    choices: [
      { index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null },
    ],
    usage: {
      prompt_tokens: 5,
      completion_tokens: content.split(" ").length,
      total_tokens: 5 + content.split(" ").length,
    },
  };
}

/** The same answer word by word as server-sent chat completion chunks, ending with `[DONE]`. */
function chatEvents(body: Record<string, unknown>): string[] {
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = String(body.model ?? "unknown");
  const words = `Echo: ${lastMessageText(body)}`.split(/(?<= )/);
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`;
  return [
    chunk({ role: "assistant", content: "" }, null),
    ...words.map((word) => chunk({ content: word }, null)),
    chunk({}, "stop"),
    "data: [DONE]\n\n",
  ];
}

/** Streams server-sent events, paced by `delayMs`. Resolves false when the client closed first. */
async function writeEvents(
  events: string[],
  response: ServerResponse,
  delayMs: number,
): Promise<boolean> {
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  for (const event of events) {
    if (response.destroyed) return false;
    response.write(event);
    if (delayMs > 0) await sleep(delayMs);
  }
  response.end();
  return true;
}

/** A deterministic 8-dimensional vector per input, so tests can compare results. */
function embeddingsResponse(body: Record<string, unknown>) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const vector = (text: string) =>
    Array.from({ length: 8 }, (_, i) => {
      let hash = i + 1;
      for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) % 1000;
      return hash / 1000;
    });
  return {
    object: "list",
    model: String(body.model ?? "unknown"),
    // Like OpenAI: `encoding_format: "base64"` (the openai package's default) gets float32 bytes.
    data: inputs.map((input, index) => {
      const values = vector(String(input));
      const embedding =
        body.encoding_format === "base64"
          ? Buffer.from(new Float32Array(values).buffer).toString("base64")
          : values;
      return { object: "embedding", index, embedding };
    }),
    usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
  };
}
