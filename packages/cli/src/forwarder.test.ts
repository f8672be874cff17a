import { createServer, request as httpRequest, type IncomingMessage } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { gzipSync } from "node:zlib";
import { TokenAcquisitionError } from "@proxy-auth/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Forwarder, startForwarder } from "./forwarder.js";

const CHUNK = Buffer.alloc(1024 * 1024, 120);
const TOTAL_CHUNKS = 48;

/** An upstream that writes 48 MiB as fast as its client takes it, and says how far it got. */
const writer = { written: 0, waitingForDrain: false, finished: false };
const upstream = createServer(async (_request, response) => {
  response.writeHead(200, { "content-type": "application/octet-stream" });
  for (let index = 0; index < TOTAL_CHUNKS; index++) {
    writer.written += CHUNK.length;
    if (!response.write(CHUNK)) {
      writer.waitingForDrain = true;
      await new Promise((resolve) => response.once("drain", resolve));
      writer.waitingForDrain = false;
    }
  }
  response.end();
  writer.finished = true;
});
let forwarder: Forwarder;
beforeAll(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  // Our own seam: the handler is stubbed; the transport and both servers are real.
  const handler = { authorize: async () => ({ token: "t" }), invalidate() {} };
  forwarder = await startForwarder({ handler, target });
});
afterAll(async () => {
  await forwarder.close({ timeoutMs: 0 });
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

it("respects backpressure: a client that reads nothing holds the upstream back", async () => {
  const response = await new Promise<IncomingMessage>((resolve) => {
    httpRequest(`${forwarder.url}/download`, resolve).end();
  });
  response.pause();
  // Wait until the upstream is blocked, then check it stays blocked with most of the body unsent:
  // a forwarder that buffered would take the whole body at once.
  // Real time (integration): a real socket trickles the body; the forwarder must stream it.
  for (let stillFor = 0; stillFor < 25; ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    stillFor = writer.waitingForDrain ? stillFor + 1 : 0;
    expect(writer.finished).toBe(false);
  }
  expect(writer.written).toBeLessThan((TOTAL_CHUNKS / 2) * CHUNK.length);
  let received = 0;
  response.on("data", (chunk: Buffer) => {
    received += chunk.length;
  });
  response.resume();
  await new Promise((resolve) => response.once("end", resolve));
  expect(received).toBe(TOTAL_CHUNKS * CHUNK.length);
  expect(writer.finished).toBe(true);
});

it('a handler in "warn" mode without a token: the 401 is answered 502 with the token failure', async () => {
  const refusing = createServer((_request, response) => {
    response.writeHead(401, { "content-type": "application/json" });
    response.end('{"error":{"message":"missing bearer token"}}');
  });
  await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
  const error = new TokenAcquisitionError("invalid_client at the token endpoint", {
    retryable: false,
  });
  // What ProxyAuthHandler.authorize() resolves in "warn" mode when no token can be had.
  const handler = { authorize: async () => ({ error }), invalidate() {} };
  const warned = await startForwarder({
    handler,
    target: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`,
  });
  try {
    const response = await fetch(`${warned.url}/chat/completions`, { method: "POST", body: "{}" });
    expect(response.status).toBe(502);
    expect(await response.text()).toContain("invalid_client at the token endpoint");
  } finally {
    await warned.close({ timeoutMs: 0 });
    await new Promise((resolve) => refusing.close(resolve));
  }
});

it("a body sent with a transfer coding other than chunked (gzip, chunked) is not passed on: 502", async () => {
  // The HTTP client undoes chunked only: gzip bytes would reach the client uninspected, an
  // echoed token inside them.
  const token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0In0.c2ln";
  const compressing = createNetServer((socket) => {
    socket.once("data", () => {
      const body = gzipSync(`echo: Bearer ${token}`);
      socket.end(
        Buffer.concat([
          Buffer.from(
            `HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n`,
          ),
          body,
          Buffer.from("\r\n0\r\n\r\n"),
        ]),
      );
    });
  });
  await new Promise<void>((resolve) => compressing.listen(0, "127.0.0.1", resolve));
  const handler = { authorize: async () => ({ token }), invalidate() {} };
  const guarded = await startForwarder({
    handler,
    target: `http://127.0.0.1:${(compressing.address() as AddressInfo).port}`,
  });
  try {
    const response = await fetch(`${guarded.url}/models`);
    expect(response.status).toBe(502);
    expect(await response.text()).toMatch(/transfer encoding the forwarder cannot inspect/);
  } finally {
    await guarded.close({ timeoutMs: 0 });
    await new Promise((resolve) => compressing.close(resolve));
  }
});
