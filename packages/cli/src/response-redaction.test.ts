import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { redactedResponse } from "./response-redaction.js";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";

/** The body as the client would receive it, from the target's chunks. */
async function shown(status: number, chunks: Buffer[], headers = {}): Promise<string> {
  const response = redactedResponse(status, headers, ["older-token-value-123456", TOKEN], false);
  if (response === undefined) throw new Error("refused");
  const received: Buffer[] = [];
  await pipeline([
    Readable.from(chunks),
    ...response.transforms,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        received.push(chunk);
        callback();
      },
    }),
  ]);
  return Buffer.concat(received).toString("utf8");
}

describe("redactedResponse", () => {
  it("finds the token wherever the target's chunks split it", async () => {
    const body = Buffer.from(`{"note":"é ${TOKEN} and ${encodeURIComponent(TOKEN)}"}`);
    for (let cut = 0; cut <= body.length; cut++) {
      const text = await shown(200, [body.subarray(0, cut), body.subarray(cut)]);
      expect(text).toBe('{"note":"é [redacted] and [redacted]"}');
    }
  });

  it("holds back only what could begin a token: events pass as they come", async () => {
    const response = redactedResponse(200, {}, [TOKEN], false);
    const stream = response?.transforms[0];
    const out: string[] = [];
    stream?.on("data", (chunk: Buffer) => out.push(chunk.toString()));
    stream?.write(Buffer.from("data: one\n\n"));
    stream?.write(Buffer.from("data: ey"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(out).toEqual(["data: one\n\n", "data: "]);
  });

  it("error answers: any JWT-shaped string too, even split; success answers keep other JWTs", async () => {
    const other = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln";
    const body = Buffer.from(`token ${other} end`);
    for (let cut = 0; cut <= body.length; cut++) {
      const parts = [body.subarray(0, cut), body.subarray(cut)];
      expect(await shown(500, parts)).toBe("token [redacted] end");
    }
    expect(await shown(200, [body])).toBe(`token ${other} end`);
  });

  it("headers, gzip bodies; an encoding it cannot read is refused", async () => {
    const response = redactedResponse(
      401,
      { "x-echo": `Bearer ${TOKEN}`, "content-length": "10", "set-cookie": [`a=${TOKEN}`, "b=1"] },
      [TOKEN],
      true,
    );
    expect(response?.headers).toEqual({
      "x-echo": "Bearer [redacted]",
      "content-length": "10",
      "set-cookie": ["a=[redacted]", "b=1"],
    });
    const zipped = await shown(200, [gzipSync(`x ${TOKEN} y`)], { "content-encoding": "gzip" });
    expect(zipped).toBe("x [redacted] y");
    expect(redactedResponse(200, { "content-encoding": "zstd" }, [TOKEN], false)).toBeUndefined();
  });

  it("an opaque token in the spellings servers echo it in: JSON's \\/, lower-case hex, Python's quote", async () => {
    const opaque = "AbC/dEf+GhI=jKl/MnO0123456789";
    const spellings = [
      opaque.replaceAll("/", "\\/"),
      encodeURIComponent(opaque).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
      encodeURIComponent(opaque).replaceAll("%2F", "/"),
    ];
    for (const status of [200, 500]) {
      const response = redactedResponse(status, { location: spellings[2] }, [opaque], false);
      expect(response?.headers).toEqual({ location: "[redacted]" });
      const body = Buffer.from(spellings.join(" "));
      const received: Buffer[] = [];
      await pipeline([
        Readable.from([body]),
        ...(response?.transforms ?? []),
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            received.push(chunk);
            callback();
          },
        }),
      ]);
      expect(Buffer.concat(received).toString()).toBe("[redacted] [redacted] [redacted]");
    }
  });

  it("a long run of token characters not at the end of a chunk costs linear time, not quadratic", async () => {
    // A client's 250 KB model name quoted in a 400: an anchored regex retried from every start
    // of the run and held the event loop 10 s. Generous bound: linear takes milliseconds.
    const quoted = `{"error":"Invalid model name passed in model=${"a".repeat(250_000)}. Call /v1/models"}`;
    const started = performance.now();
    const text = await shown(400, [Buffer.from(quoted)]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(text).toBe(quoted);
  });
});
