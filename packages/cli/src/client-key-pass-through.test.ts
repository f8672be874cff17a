import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passedClientKeys } from "./client-key-pass-through.js";
import { type Forwarder, startForwarder } from "./forwarder.js";

const LOCAL_KEY = "local-key-0123456789abcdef";

/** A real upstream that records what it receives. */
let received: IncomingHttpHeaders[] = [];
const upstream = createServer((request, response) => {
  received.push(request.headers);
  response.writeHead(200, { "content-type": "application/json" }).end("{}");
});
let target: string;
// Our own seam: the handler is stubbed; the transport and both servers are real.
const handler = { authorize: async () => ({ token: "gateway-token" }), invalidate() {} };
const started: Forwarder[] = [];
beforeAll(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const forwarder of started) await forwarder.close({ timeoutMs: 0 });
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

async function send(options: Record<string, unknown>, headers: Record<string, string>) {
  const forwarder = await startForwarder({ handler, target, ...options });
  started.push(forwarder);
  received = [];
  const response = await fetch(`${forwarder.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: "{}",
  });
  expect(response.status).toBe(200);
  return received[0] as IncomingHttpHeaders;
}

describe("the client's own key (Cloudflare AI Gateway shape)", () => {
  const cloudflare = { header: "cf-aig-authorization", passClientKey: true };

  it("passes with --pass-client-key when the token travels in another header", async () => {
    const headers = await send(cloudflare, {
      authorization: "Bearer sk-provider-key",
      "x-api-key": "sk-ant-provider-key",
    });
    expect(headers["cf-aig-authorization"]).toBe("Bearer gateway-token");
    expect(headers.authorization).toBe("Bearer sk-provider-key");
    expect(headers["x-api-key"]).toBe("sk-ant-provider-key");
  });

  it("never passes the local key, nor a key in the header the token travels in", async () => {
    const headers = await send(
      { ...cloudflare, localKey: LOCAL_KEY },
      { "api-key": LOCAL_KEY, authorization: "Bearer sk-provider-key" },
    );
    expect(headers["api-key"]).toBeUndefined();
    expect(headers.authorization).toBe("Bearer sk-provider-key");
    const asBearer = await send(
      { ...cloudflare, localKey: LOCAL_KEY },
      { authorization: `Bearer ${LOCAL_KEY}`, "cf-aig-authorization": "Bearer forged" },
    );
    expect(asBearer.authorization).toBeUndefined();
    expect(asBearer["cf-aig-authorization"]).toBe("Bearer gateway-token");
    const tokenHeader = await send(
      { header: "Authorization", passClientKey: true },
      { authorization: "Bearer sk-provider-key" },
    );
    expect(tokenHeader.authorization).toBe("Bearer gateway-token");
  });

  it("without the flag, client keys are dropped as before", async () => {
    const headers = await send(
      { header: "cf-aig-authorization" },
      { authorization: "Bearer sk-provider-key", "x-api-key": "k" },
    );
    expect(headers.authorization).toBeUndefined();
    expect(headers["x-api-key"]).toBeUndefined();
  });

  it("the rule on raw headers keeps the client's spelling", () => {
    const raw = ["Authorization", "Bearer sk-1", "X-Api-Key", "local", "Content-Type", "a/b"];
    expect(passedClientKeys(raw, "cf-aig-authorization", (key) => key === "local")).toEqual([
      "Authorization",
      "Bearer sk-1",
    ]);
  });
});
