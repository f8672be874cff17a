import { createHash, timingSafeEqual } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import {
  ConfigurationError,
  isLoopbackHost,
  type Logger,
  ProxyAuthError,
  type ProxyAuthHandler,
} from "@proxy-auth/core";
import {
  type AuthHeaderShape,
  authorizedSend,
  Deadline,
  describeNoAnswer,
  httpUrlOption,
  networkErrorCode,
  numberOption,
  resolveAuthHeader,
} from "@proxy-auth/core/internal";
import { Pool } from "undici";
import { listenFailure } from "./address-in-use.js";
import { passedClientKeys } from "./client-key-pass-through.js";
import { limitConnections } from "./connection-limits.js";
import { targetHeader, withDPoPProof } from "./dpop-proof-header.js";
import { forwardedPath } from "./forwarded-path.js";
import { downstreamHeaders, upstreamHeaders } from "./forwarder-headers.js";
import { browserRefusal } from "./forwarder-origin-rule.js";
import { HeldBodiesBudget } from "./held-bodies-budget.js";
import { hostOfHeader, isLoopbackAddress } from "./loopback.js";
import { createRefusedTokenExplainer } from "./refused-token-explainer.js";
import { hasReadableTransfer, redactedResponse } from "./response-redaction.js";

/**
 * Options of {@link startForwarder}. `header` and `scheme` (`AuthHeaderShape`, as in
 * `@proxy-auth/client`) choose the header that carries the token: default
 * `Authorization: Bearer <token>`.
 */
export interface ForwarderOptions extends AuthHeaderShape {
  /** Where tokens come from (use `onTokenError: "throw"`: a request without one is refused). */
  handler: Pick<ProxyAuthHandler, "authorize" | "invalidate">;
  /** Where requests go: `http(s)://host[:port][/base]`; a request for `/x` goes to `/base/x`. */
  target: string | URL;
  /** The address to listen on. Default `"127.0.0.1"`; anything but loopback needs `localKey`. */
  host?: string;
  /** The port. Default 0: a free one (see {@link Forwarder.url}). */
  port?: number;
  /**
   * A key clients must present (`Authorization: Bearer KEY`, `x-api-key: KEY` or `api-key: KEY`),
   * at least 16 characters. Without it, only requests addressed to a loopback name and not sent
   * by a web page of another origin are served.
   */
  localKey?: string;
  /** Request bodies up to this size are held, so a 401 can be replayed. Default 1 MiB. */
  replayLimitBytes?: number;
  /**
   * All bodies held at once stay within this many bytes; a body that does not fit streams once
   * (a 401 for it is passed on). Default 32 MiB.
   */
  replayBudgetBytes?: number;
  /**
   * How long the target may take to send its headers, and may stay silent while sending the
   * body, in milliseconds. Default 600_000 (models can think for minutes).
   */
  timeoutMs?: number;
  /** Client connections served at once; more are closed as soon as they are accepted. Default 128. */
  maxConnections?: number;
  /**
   * How long a client may take to send its request headers, may stay silent while sending its
   * body, and may leave an answer unread (none of it taken), in milliseconds. Default 30_000.
   */
  clientTimeoutMs?: number;
  /** How long a client may take to send a whole request, in milliseconds. Default 300_000. */
  requestTimeoutMs?: number;
  /**
   * Pass the client's own key (`Authorization`, `x-api-key`, `api-key`) on to the target when
   * the token travels in another header, for gateways that want both (Cloudflare AI Gateway
   * without stored keys). The local key never passes. Default false: client keys are dropped.
   */
  passClientKey?: boolean;
  /** Where events go: refusals, replays and failures; with `debug`, one line per request. */
  logger?: Logger;
}

/** A running forwarder. */
export interface Forwarder {
  /** Where clients send requests: `http://HOST:PORT`. */
  readonly url: string;
  /** Requests being answered now. */
  readonly inFlight: number;
  /**
   * Stops accepting connections, lets the requests in flight finish for at most `timeoutMs`
   * (default 10_000), then ends whatever is left. Resolves the number of requests cut off.
   */
  close(options?: { timeoutMs?: number }): Promise<number>;
}

const DEFAULT_REPLAY_LIMIT = 1024 * 1024;
const OWNER = "startForwarder";

/**
 * Starts a local forwarder: every request to it goes to `target` with the token added. Bodies
 * stream both ways (server-sent events arrive as the target sends them) with backpressure; a
 * client that goes away cancels the upstream request; a 401 is answered by one replay with a
 * fresh token when the body was small enough to hold. Upstream requests go through an undici
 * connection pool (keep-alive). The token never comes back: a target's echo of it is redacted
 * in headers and bodies, and `TRACE` is refused. Paths are resolved, and one that climbs above
 * the target's base path is refused. Connections are capped and slow clients timed out.
 *
 * @example
 * ```ts
 * const forwarder = await startForwarder({ handler, target: "https://my-proxy.example.com" });
 * // Any client, in any language, now sends its requests to forwarder.url with no key of its own.
 * await fetch(`${forwarder.url}/chat/completions`, { method: "POST", body: "{}" });
 * await forwarder.close();
 * ```
 * @throws `ConfigurationError` for a non-loopback host without a local key, or a malformed option.
 */
export async function startForwarder(options: ForwarderOptions): Promise<Forwarder> {
  const target = httpUrlOption('startForwarder: "target"', String(options.target));
  const host = options.host ?? "127.0.0.1";
  const { localKey, handler, logger } = options;
  checkListenAddress(host, localKey);
  const shape = resolveAuthHeader(options, "proxy-auth serve");
  const authHeader = shape.name.toLowerCase();
  const replayLimit = numberOption(
    OWNER,
    "replayLimitBytes",
    options.replayLimitBytes,
    DEFAULT_REPLAY_LIMIT,
    {
      integer: true,
    },
  );
  const timeoutMs = numberOption(OWNER, "timeoutMs", options.timeoutMs, 600_000, {
    minimum: 1,
    integer: true,
  });
  const limits = {
    maxConnections: numberOption(OWNER, "maxConnections", options.maxConnections, 128, {
      minimum: 1,
      integer: true,
    }),
    clientTimeoutMs: numberOption(OWNER, "clientTimeoutMs", options.clientTimeoutMs, 30_000, {
      minimum: 1,
      integer: true,
    }),
    requestTimeoutMs: numberOption(OWNER, "requestTimeoutMs", options.requestTimeoutMs, 300_000, {
      minimum: 1,
      integer: true,
    }),
  };
  const heldBodies = new HeldBodiesBudget(
    numberOption(OWNER, "replayBudgetBytes", options.replayBudgetBytes, 32 * 1024 * 1024, {
      integer: true,
    }),
  );
  const basePath = target.pathname.replace(/\/+$/, "");
  const pool = new Pool(target.origin, {
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: 10_000 },
  });
  // The target as messages name it (startForwarder takes any URL: credentials are left out).
  const targetName = `${target.origin}${target.pathname.replace(/\/+$/, "")}`;
  const explainer = createRefusedTokenExplainer(logger, targetName);
  const keyDigest = localKey === undefined ? undefined : digest(localKey);
  const isLocalKey = (key: string) =>
    keyDigest !== undefined && timingSafeEqual(digest(key), keyDigest);
  let inFlight = 0;
  let closing = false;
  let ownPort = 0;
  /** The tokens sent lately: a target's echo of any of them is redacted. */
  const sentTokens: string[] = [];
  const tokenPrefix = shape.value("");
  const rememberSent = (header: string | undefined) => {
    // A DPoP-bound token goes as "DPoP <token>" whatever the configured scheme.
    const prefix = header?.startsWith("DPoP ") ? "DPoP " : tokenPrefix;
    if (header === undefined || !header.startsWith(prefix)) return;
    const token = header.slice(prefix.length);
    if (sentTokens.includes(token)) return;
    sentTokens.push(token);
    if (sentTokens.length > 8) sentTokens.shift();
  };
  const idle = new Set<() => void>();

  const admit = (request: IncomingMessage): [number, string] | undefined => {
    if (closing) return [503, "The forwarder is shutting down."];
    if (!request.url?.startsWith("/")) return [400, "Only origin-form request targets are served."];
    // TRACE would echo the request, and with it the token the forwarder added.
    if (request.method === "TRACE") {
      return [405, "TRACE is not forwarded."];
    }
    if (forwardedPath(basePath, request.url) === undefined) {
      return [400, "The path climbs above the target's base path, or hides a separator."];
    }
    if (keyDigest !== undefined) {
      return presentsKey(request.headers, keyDigest)
        ? undefined
        : [401, "Send the forwarder's local key as your API key (Authorization: Bearer KEY)."];
    }
    // Without a key, a page in a browser must not reach the token (DNS rebinding, CSRF).
    const hostName = hostOfHeader(request.headers.host);
    if (hostName === undefined || !isLoopbackHost(hostName)) {
      return [403, "Requests must be addressed to a loopback name (127.0.0.1, localhost)."];
    }
    const refusal = browserRefusal(request.headers, ownPort);
    return refusal === undefined ? undefined : [403, refusal];
  };

  const forward = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const startedAt = performance.now();
    const path = request.url as string;
    const upstreamPath = forwardedPath(basePath, path) as string;
    const abort = new AbortController();
    response.once("close", () => {
      if (!response.writableFinished) abort.abort(new Error("the client went away"));
    });
    const length = request.headers["content-length"];
    const reserved = heldBodies.reserve(
      length === undefined ? undefined : Number(length),
      replayLimit,
    );
    response.once("close", () => heldBodies.release(reserved));
    const body = await requestBody(request, reserved);
    const {
      response: upstream,
      tokenError,
      refusedFresh,
      token,
    } = await authorizedSend({
      handler,
      headerValue: shape.value,
      signal: abort.signal,
      replayable: body.replayable,
      method: request.method,
      url: target.origin + upstreamPath,
      send: (header, _replay, proof) => {
        rememberSent(header);
        return pool.request({
          path: upstreamPath,
          method: request.method as "GET",
          headers: withDPoPProof(
            [
              ...upstreamHeaders(
                request.rawHeaders,
                request.headers.connection,
                authHeader,
                header,
              ),
              ...(options.passClientKey === true
                ? passedClientKeys(request.rawHeaders, authHeader, isLocalKey)
                : []),
            ],
            proof,
          ),
          body: body.replayable ? body.bytes : request,
          signal: abort.signal,
        });
      },
      status: (upstream) => upstream.statusCode,
      header: (upstream, name) => targetHeader(upstream.headers, name),
      discard: (upstream) => upstream.body.dump({ limit: 64 * 1024 }).catch(() => {}),
      onReplay: () =>
        logger?.info?.("The target answered 401: replaying once with a fresh token", {
          method: request.method,
          path: pathOnly(path),
        }),
    });
    if (upstream.statusCode === 401 && tokenError !== undefined) {
      // Sent without a token (a handler with onTokenError "warn"): the token failure is the cause.
      await upstream.body.dump({ limit: 64 * 1024 }).catch(() => {});
      throw tokenError;
    }
    explainer.observe(upstream.statusCode, refusedFresh, token);
    const bodyless =
      request.method === "HEAD" || upstream.statusCode === 204 || upstream.statusCode === 304;
    const shown = hasReadableTransfer(upstream.headers)
      ? redactedResponse(
          upstream.statusCode,
          downstreamHeaders(upstream.headers),
          sentTokens,
          bodyless,
        )
      : undefined;
    if (shown === undefined) {
      await upstream.body.dump({ limit: 64 * 1024 }).catch(() => {});
      throw new UninspectableResponseError();
    }
    response.writeHead(upstream.statusCode, shown.headers);
    response.flushHeaders();
    await pipeline([upstream.body, ...shown.transforms, response]);
    logger?.debug?.(`${request.method} ${pathOnly(path)} → ${upstream.statusCode}`, {
      durationMs: Math.round(performance.now() - startedAt),
    });
  };

  // Timeouts are checked this often: a tenth of the shortest, within [50 ms, 1 s].
  const connectionsCheckingInterval = Math.min(
    1000,
    Math.max(50, Math.floor(limits.clientTimeoutMs / 10)),
  );
  const server = createServer({ connectionsCheckingInterval }, (request, response) => {
    const refusal = admit(request);
    if (refusal !== undefined) {
      logger?.warn(`Refused ${request.method} ${pathOnly(request.url ?? "")}: ${refusal[1]}`);
      reply(response, refusal[0], refusal[1]);
      request.resume();
      return;
    }
    inFlight++;
    forward(request, response)
      .catch((error: unknown) => {
        if (response.destroyed && !response.writableFinished) return; // the client went away
        const [status, message] = failure(error, targetName);
        logger?.warn(`${request.method} ${pathOnly(request.url ?? "")} failed: ${message}`);
        if (response.headersSent) response.destroy();
        else reply(response, status, message);
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) for (const resolve of idle) resolve();
      });
  });
  limitConnections(server, limits);
  await new Promise<void>((resolve, reject) => {
    const refuse = (error: unknown) => reject(listenFailure(error, host, options.port ?? 0));
    server.once("error", refuse);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", refuse);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  ownPort = address.port;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}`,
    get inFlight() {
      return inFlight;
    },
    close: async ({ timeoutMs: graceMs = 10_000 } = {}) => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        let resolveIdle: () => void = () => {};
        const drained = new Promise<void>((resolve) => {
          resolveIdle = resolve;
          idle.add(resolve);
        });
        // The grace period's end is not a failure: the requests still running are cut off.
        await new Deadline(graceMs).race(drained, () => "grace over").catch(() => {});
        idle.delete(resolveIdle);
      }
      const cutOff = inFlight;
      server.closeAllConnections();
      await closed;
      await pool.destroy();
      return cutOff;
    },
  };
}

/**
 * Anything but loopback needs a local key of at least 16 characters.
 *
 * @throws `ConfigurationError` saying what to add.
 */
export function checkListenAddress(host: string, localKey: string | undefined): void {
  if (localKey !== undefined && localKey.length < 16) {
    throw new ConfigurationError("The local key must be at least 16 characters long.");
  }
  if (!isLoopbackAddress(host) && localKey === undefined) {
    throw new ConfigurationError(
      `${host} is not a loopback address: anyone who can reach it could use your token. Give a local key (PROXY_AUTH_LOCAL_KEY or --local-key-file) that clients must present.`,
    );
  }
}

/** The request body: held in memory when small enough to replay, else streamed once. */
async function requestBody(
  request: IncomingMessage,
  limit: number,
): Promise<{ replayable: true; bytes: Buffer | null } | { replayable: false }> {
  const length =
    request.headers["content-length"] === undefined
      ? undefined
      : Number(request.headers["content-length"]);
  const chunked = request.headers["transfer-encoding"] !== undefined;
  if (!chunked && (length === undefined || length === 0)) return { replayable: true, bytes: null };
  if (chunked || length === undefined || !(length <= limit)) return { replayable: false };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    // Node checks Content-Length itself; this only guards the arithmetic.
    if (size > limit) throw new Error("the request body is larger than its Content-Length");
    chunks.push(chunk as Buffer);
  }
  return { replayable: true, bytes: Buffer.concat(chunks) };
}

function presentsKey(headers: IncomingHttpHeaders, expected: Buffer): boolean {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1];
  const candidates = [bearer, headers["x-api-key"], headers["api-key"]];
  return candidates.some(
    (candidate) => typeof candidate === "string" && timingSafeEqual(digest(candidate), expected),
  );
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Paths are logged without their query (it could carry anything). */
function pathOnly(path: string): string {
  return path.split("?")[0] ?? "";
}

/** The target answered in a content encoding the forwarder cannot look inside. */
class UninspectableResponseError extends Error {}

/** What to answer when forwarding failed before the response began. */
function failure(error: unknown, target: string): [number, string] {
  if (error instanceof UninspectableResponseError) {
    return [
      502,
      "The target answered in a content or transfer encoding the forwarder cannot inspect.",
    ];
  }
  // Every token failure (acquisition, an unusable token, no identity configured) is ours.
  if (ProxyAuthError.isInstance(error)) {
    return [502, `proxy-auth could not obtain a token: ${error.message}`];
  }
  const noAnswer = { kind: "network", code: networkErrorCode(error) } as const;
  const { message, timedOut } = describeNoAnswer(noAnswer, `target ${target}`, undefined, error);
  return [timedOut ? 504 : 502, message];
}

/** An OpenAI-style error body, so clients show the message. */
function reply(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: { message, type: "proxy_auth_forwarder_error" } }));
}
