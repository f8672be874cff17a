import { createServer, request as httpRequest } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Forwarder, startForwarder } from "./forwarder.js";

/** The target: records what reaches it, answers after `answerDelayMs`. */
const received: string[] = [];
const started: string[] = [];
let answerDelayMs = 0;
const upstream = createServer((request, response) => {
  started.push(`${request.method} ${request.url}`);
  let size = 0;
  request.on("data", (chunk: Buffer) => {
    size += chunk.length;
  });
  request.on("end", () => {
    received.push(`${request.method} ${request.url} ${size}`);
    setTimeout(() => response.end("done"), answerDelayMs);
  });
});
let forwarder: Forwarder;
let port: number;
let target: string;
const handler = { authorize: async () => ({ token: "a-token-of-some-length" }), invalidate() {} };
beforeAll(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  // Our own seam: the handler is stubbed; the servers and the sockets are real.
  target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  forwarder = await startForwarder({
    handler,
    target,
    maxConnections: 4,
    clientTimeoutMs: 1000,
    requestTimeoutMs: 5000,
  });
  port = Number(new URL(forwarder.url).port);
});
afterAll(async () => {
  await forwarder.close({ timeoutMs: 0 });
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

/** A POST of `parts`, one every `gapMs`, on a connection of its own; resolves the answer's text. */
function send(path: string, parts: string[], gapMs = 0): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const request = httpRequest(
      `${forwarder.url}${path}`,
      { method: "POST", agent: false },
      (response) => {
        let text = "";
        response.setEncoding("utf8").on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () => resolve(text));
      },
    );
    request.on("error", reject);
    const next = (index: number) => {
      if (index === parts.length) return void request.end();
      request.write(parts[index]);
      setTimeout(() => next(index + 1), gapMs);
    };
    next(0);
  });
}

/** A raw connection, and a promise of its end (whoever ends it). */
async function open(
  toPort = port,
): Promise<{ socket: Socket; closed: Promise<void>; isClosed(): boolean }> {
  const socket = connect(toPort, "127.0.0.1");
  socket.on("error", () => {});
  socket.on("data", () => {});
  let ended = false;
  const closed = new Promise<void>((resolve) =>
    socket.once("close", () => {
      ended = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return { socket, closed, isClosed: () => ended };
}

it("closes connections past maxConnections at once, and drops idle ones after clientTimeoutMs", async () => {
  received.length = 0;
  const sockets = [];
  for (let index = 0; index < 10; index++) sockets.push(await open());
  // Six are refused while four are open and idle; then the idle four, which never sent a
  // byte, time out.
  await Promise.all(sockets.map((connection) => connection.closed));
  expect(received).toHaveLength(0);
  // The cap counts open connections only: with those gone, a request is served.
  expect(await send("/after", [])).toBe("done");
});

it("a body that stalls is dropped after clientTimeoutMs, nothing forwarded; the cap holds meanwhile", async () => {
  received.length = 0;
  const stalled = [];
  for (let index = 0; index < 4; index++) {
    const connection = await open();
    connection.socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${1024 * 1024}\r\n\r\n`,
    );
    connection.socket.write(Buffer.alloc(256 * 1024, 120));
    stalled.push(connection);
  }
  const extra = await open();
  await extra.closed; // refused at once: four are held
  expect(stalled.some((connection) => connection.isClosed())).toBe(false);
  await Promise.all(stalled.map((connection) => connection.closed));
  expect(received).toHaveLength(0);
});

it("a body that takes longer than clientTimeoutMs but never goes silent, and a slow answer, are not cut off", async () => {
  received.length = 0;
  answerDelayMs = 1500;
  try {
    const answer = send(
      "/slow",
      Array.from({ length: 12 }, () => "x".repeat(1000)),
      100,
    );
    expect(await answer).toBe("done");
    expect(received).toEqual(["POST /slow 12000"]);
  } finally {
    answerDelayMs = 0;
  }
});

it("bodies held for replay stay within replayBudgetBytes: one that does not fit streams at once", async () => {
  const budgeted = await startForwarder({
    handler,
    target,
    clientTimeoutMs: 1000,
    replayBudgetBytes: 100 * 1024,
  });
  const budgetedPort = Number(new URL(budgeted.url).port);
  try {
    started.length = 0;
    const stalled = [];
    for (const path of ["/held", "/streamed"]) {
      const connection = await open(budgetedPort);
      connection.socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${budgetedPort}\r\nContent-Length: ${60 * 1024}\r\n\r\n`,
      );
      connection.socket.write(Buffer.alloc(30 * 1024, 120));
      stalled.push(connection);
    }
    await Promise.all(stalled.map((connection) => connection.closed));
    // One body is held until complete (never, here); the other, past the budget, went upstream
    // as it came.
    expect(started).toHaveLength(1);
  } finally {
    await budgeted.close({ timeoutMs: 0 });
  }
});

it("a client that stops reading a long answer is disconnected after clientTimeoutMs; the target's silence is not", async () => {
  // 8 MiB the client never reads: the bytes wait in the socket, and the connection (and the
  // target's stream) would be held for ever. The slow answer above shows a quiet target is
  // still waited for.
  const large = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/octet-stream" });
    const chunk = Buffer.alloc(64 * 1024, 120);
    const write = () => {
      while (response.write(chunk)) if (response.writableLength > 8 * 1024 * 1024) return;
      response.once("drain", write);
    };
    write();
  });
  await new Promise<void>((resolve) => large.listen(0, "127.0.0.1", resolve));
  const reading = await startForwarder({
    handler,
    target: `http://127.0.0.1:${(large.address() as AddressInfo).port}`,
    clientTimeoutMs: 1000,
  });
  try {
    const socket = connect(Number(new URL(reading.url).port), "127.0.0.1");
    socket.on("error", () => {});
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(`GET /large HTTP/1.1\r\nHost: ${new URL(reading.url).host}\r\n\r\n`);
    socket.pause(); // reads nothing for three times clientTimeoutMs (real sockets: real time)
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Then what is buffered is read: a connection that was cut ends; one that was not would
    // stream the endless answer on and never close.
    socket.on("data", () => {});
    socket.resume();
    await closed;
  } finally {
    await reading.close({ timeoutMs: 0 });
    large.closeAllConnections();
    await new Promise((resolve) => large.close(resolve));
  }
}, 15_000);
