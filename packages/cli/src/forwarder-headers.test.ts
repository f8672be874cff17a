import { describe, expect, it } from "vitest";
import { downstreamHeaders, upstreamHeaders } from "./forwarder-headers.js";

describe("upstreamHeaders", () => {
  it("drops hop-by-hop, Connection-named and key headers; adds the token header last", () => {
    const raw = [
      ["Host", "127.0.0.1:4001"],
      ["Connection", "keep-alive, X-Hop"],
      ["X-Hop", "1"],
      ["Keep-Alive", "timeout=5"],
      ["Transfer-Encoding", "chunked"],
      ["TE", "trailers"],
      ["Upgrade", "websocket"],
      ["Proxy-Authorization", "Basic abc"],
      ["Expect", "100-continue"],
      ["Authorization", "Bearer placeholder"],
      ["X-Api-Key", "placeholder"],
      ["api-key", "placeholder"],
      ["Content-Type", "application/json"],
      ["X-Trace", "a"],
      ["X-Trace", "b"],
    ].flat();
    expect(upstreamHeaders(raw, "keep-alive, X-Hop", "authorization", "Bearer T")).toEqual(
      [
        ["Content-Type", "application/json"],
        ["X-Trace", "a"],
        ["X-Trace", "b"],
        ["authorization", "Bearer T"],
      ].flat(),
    );
  });

  it("with another token header, a client's value of that header is replaced too", () => {
    const raw = ["x-portkey-api-key", "client-value", "Accept", "*/*"];
    expect(upstreamHeaders(raw, undefined, "x-portkey-api-key", "T")).toEqual([
      "Accept",
      "*/*",
      "x-portkey-api-key",
      "T",
    ]);
  });
});

describe("downstreamHeaders", () => {
  it("keeps the response's own headers and drops the connection's", () => {
    expect(
      downstreamHeaders({
        "content-type": "text/event-stream",
        "set-cookie": ["a=1", "b=2"],
        connection: "keep-alive, x-hop",
        "x-hop": "1",
        "keep-alive": "timeout=5",
        "transfer-encoding": "chunked",
        "x-request-id": "r1",
      }),
    ).toEqual({
      "content-type": "text/event-stream",
      "set-cookie": ["a=1", "b=2"],
      "x-request-id": "r1",
    });
  });
});
