import type { Server } from "node:http";
import type { Socket } from "node:net";

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
  // Node's own timeouts start with the first byte: a connection that sends nothing needs this.
  server.on("connection", (socket: Socket) => {
    socket.on("timeout", () => socket.destroy());
    socket.setTimeout(limits.clientTimeoutMs);
  });
  server.on("request", (request) => {
    const socket = request.socket;
    if (request.complete) {
      socket.setTimeout(0);
      return;
    }
    socket.setTimeout(limits.clientTimeoutMs);
    request.once("end", () => socket.setTimeout(0));
  });
}
