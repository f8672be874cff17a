import type { IncomingHttpHeaders } from "node:http";

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), and never pass a proxy. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Client headers the forwarder sets itself or must not pass on: the connection's own, `host`
 * (the target's is used), `expect` (answered here), every header a client may carry its key in
 * (a placeholder or the local key, never meant for the target), and `accept-encoding` (answers
 * must come in a form the forwarder can inspect for an echoed token).
 */
const REQUEST_ONLY = new Set([
  "host",
  "expect",
  "authorization",
  "x-api-key",
  "api-key",
  "accept-encoding",
]);

/** Names listed in `Connection` are hop-by-hop for this message too. */
function connectionTokens(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(",") : (value ?? "");
  return new Set(
    text
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * The headers to send upstream, as flat name/value pairs in the client's order and spelling:
 * without hop-by-hop and key headers, with `authHeader: authValue` added (none without a value).
 */
export function upstreamHeaders(
  rawHeaders: string[],
  connection: string | string[] | undefined,
  authHeader: string,
  authValue: string | undefined,
): string[] {
  const dropped = connectionTokens(connection);
  const headers: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || REQUEST_ONLY.has(lower) || dropped.has(lower)) continue;
    if (lower === authHeader) continue;
    headers.push(name, rawHeaders[index + 1] as string);
  }
  if (authValue !== undefined) headers.push(authHeader, authValue);
  return headers;
}

/** The target's response headers for the client, without hop-by-hop headers. */
export function downstreamHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const dropped = connectionTokens(headers.connection);
  const result: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || dropped.has(name)) continue;
    result[name] = value;
  }
  return result;
}
