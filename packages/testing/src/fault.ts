import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * A misbehaviour to inject into the next requests a loopback server receives.
 *
 * - `status`: answer with this HTTP status (5xx, 429, 408…), an optional `Retry-After` and body.
 * - `reset`: destroy the connection without an answer.
 * - `hang`: never answer (until the client gives up or the server closes).
 * - `nonJson`: answer 200 with an HTML body.
 * - `delay`: wait this long, then answer normally.
 * - `omit` / `set`: answer normally with these JSON fields removed or replaced (token endpoint).
 */
export type Fault =
  | {
      kind: "status";
      status: number;
      retryAfter?: number | string;
      body?: string;
      contentType?: string;
    }
  | { kind: "reset" }
  | { kind: "hang" }
  | { kind: "nonJson" }
  | { kind: "delay"; ms: number }
  | { kind: "omit"; fields: string[] }
  | { kind: "set"; fields: Record<string, unknown> };

/** Faults waiting to be applied, each to a given number of requests. */
export class FaultQueue {
  readonly #queue: { fault: Fault; remaining: number }[] = [];

  /** Applies `fault` to the next `times` requests (default 1; `Infinity` until cleared). */
  add(fault: Fault, times = 1): void {
    this.#queue.push({ fault, remaining: times });
  }

  /** Drops every queued fault. */
  clear(): void {
    this.#queue.length = 0;
  }

  /** The fault for the request now arriving, if any. */
  take(): Fault | undefined {
    const head = this.#queue[0];
    if (head === undefined) return undefined;
    head.remaining--;
    if (head.remaining <= 0) this.#queue.shift();
    return head.fault;
  }
}

/**
 * Answers with a fault that replaces the real answer (`status`, `reset`, `hang`, `nonJson`).
 * Returns false for faults that change the real answer instead (`delay`, `omit`, `set`).
 */
export function respondWithFault(
  fault: Fault,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  switch (fault.kind) {
    case "status": {
      const headers: Record<string, string> = {
        "content-type": fault.contentType ?? "application/json",
      };
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      response.writeHead(fault.status, headers);
      response.end(
        fault.body ??
          JSON.stringify({ error: "server_error", error_description: `injected ${fault.status}` }),
      );
      return true;
    }
    case "reset":
      request.socket.destroy();
      return true;
    case "hang":
      // Nothing is written; the server's close() ends the connection.
      return true;
    case "nonJson":
      response.writeHead(200, { "content-type": "text/html" });
      response.end("<html><body>Gateway says hello</body></html>");
      return true;
    default:
      return false;
  }
}

/** Applies `omit` / `set` faults to a JSON answer. */
export function rewriteBody(fault: Fault | undefined, body: unknown): unknown {
  if (fault === undefined || typeof body !== "object" || body === null) return body;
  if (fault.kind === "omit") {
    const copy = { ...(body as Record<string, unknown>) };
    for (const field of fault.fields) delete copy[field];
    return copy;
  }
  if (fault.kind === "set") return { ...(body as Record<string, unknown>), ...fault.fields };
  return body;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request's whole body as text. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
