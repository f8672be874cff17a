import type { Server } from "node:http";
import type { Socket } from "node:net";
import { systemTimers, type Timers } from "@proxy-auth/core/internal";

/** How many clients a forwarder serves at once, and how long it waits for each. */
export interface ConnectionLimits {
  /** Connections open at once; more are closed as soon as they are accepted. */
  maxConnections: number;
  /**
   * How long a client may take to send a request's headers, may stay silent while sending its
   * body, and may leave an answer unread, in milliseconds.
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
 * response may take as long as the target needs (models think for minutes), but a client that
 * stops reading it — bytes of the answer wait for it and none is taken for `clientTimeoutMs` —
 * is disconnected too: it would hold its connection, and the target's, for ever. (Node's socket
 * timeout cannot tell: it is held off while a write is pending.) The server must be created with
 * a `connectionsCheckingInterval` short enough for these timeouts.
 */
export function limitConnections(
  server: Server,
  limits: ConnectionLimits,
  timers: Timers = systemTimers,
): void {
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.clientTimeoutMs;
  server.requestTimeout = Math.max(limits.requestTimeoutMs, limits.clientTimeoutMs);
  // Node's own timeouts start with the first byte: a connection that sends nothing needs this.
  server.on("connection", (socket: Socket) => {
    socket.on("timeout", () => socket.destroy());
    socket.setTimeout(limits.clientTimeoutMs);
  });
  server.on("request", (request, response) => {
    const socket = request.socket;
    watchReading(socket, limits.clientTimeoutMs, timers, response);
    if (request.complete) {
      socket.setTimeout(0);
      return;
    }
    socket.setTimeout(limits.clientTimeoutMs);
    request.once("end", () => socket.setTimeout(0));
  });
}

/**
 * Disconnects `socket` when bytes have waited for its client, none taken, for `timeoutMs`
 * (looked at every tenth of it), until `response` closes.
 */
function watchReading(
  socket: Socket,
  timeoutMs: number,
  timers: Timers,
  response: { once(event: "close", listener: () => void): unknown },
): void {
  const stepMs = Math.max(10, Math.floor(timeoutMs / 10));
  let written = socket.bytesWritten;
  let stalledMs = 0;
  let handle: unknown;
  const look = () => {
    const stalled = socket.writableLength > 0 && socket.bytesWritten === written;
    stalledMs = stalled ? stalledMs + stepMs : 0;
    written = socket.bytesWritten;
    if (stalledMs >= timeoutMs) socket.destroy();
    else handle = timers.set(look, stepMs);
  };
  handle = timers.set(look, stepMs);
  response.once("close", () => timers.clear(handle));
}
