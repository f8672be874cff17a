import type { Server } from "node:http";

/** How many clients a forwarder serves at once, and how long it waits for each. */
export interface ConnectionLimits {
  /** Connections open at once; more are closed as soon as they are accepted. */
  maxConnections: number;
  /**
   * How long a client may take to send a request's headers, and may stay silent while sending
   * its body, in milliseconds.
   */
  clientTimeoutMs: number;
  /** How long a client may take to send a whole request (headers and body), in milliseconds. */
  requestTimeoutMs: number;
}

/**
 * Caps a server's connections and times out slow clients, so stalled or idle connections (a
 * slowloris, bodies that never finish) cannot pile up memory and sockets: past
 * `maxConnections` a new connection is closed at once; a client that sends no complete headers
 * within `clientTimeoutMs`, or whose body goes silent that long, or whose request is not all
 * there within `requestTimeoutMs`, is disconnected. Once a request's body has arrived, the
 * response may take as long as the target needs (models think for minutes). The server must be
 * created with a `connectionsCheckingInterval` short enough for these timeouts.
 */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.clientTimeoutMs;
  server.requestTimeout = Math.max(limits.requestTimeoutMs, limits.clientTimeoutMs);
  server.on("request", (request) => {
    if (request.complete) return;
    const socket = request.socket;
    socket.setTimeout(limits.clientTimeoutMs, () => socket.destroy());
    request.once("end", () => socket.setTimeout(0));
  });
}
