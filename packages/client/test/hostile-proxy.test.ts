import { execFile } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";
import { ConfigurationError } from "@proxy-auth/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type ChatCompletionChunk, createClient, ProxyRequestError } from "../src/index.js";
import { hello } from "./fixtures.js";

// A proxy (or anything between the client and it) that answers what it likes.
type Handler = (request: IncomingMessage, response: ServerResponse) => void;
let handle: Handler;
let server: Server;
let apiBase: string;
/** Per request: the headers it came with, and whether its connection closed before the end. */
let seen: { headers: IncomingMessage["headers"]; closedEarly: boolean }[];

beforeAll(async () => {
  server = createServer((request, response) => {
    const record = { headers: request.headers, closedEarly: false };
    seen.push(record);
    response.on("close", () => {
      record.closedEarly = !response.writableFinished;
    });
    request.resume();
    request.on("end", () => handle(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
});

const client = (options: Parameters<typeof createClient>[0] = {}) =>
  createClient({ apiBase, maxRetries: 0, _internal: { sleep: async () => {} }, ...options });
const failure = (pending: Promise<unknown>) =>
  pending.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error as ProxyRequestError,
  );

/** Writes `piece` until the client goes away (or `times` pieces), respecting backpressure. */
function endless(target: NodeJS.WritableStream, piece: Buffer | string, times = Infinity) {
  let written = 0;
  const pump = () => {
    while (written < times) {
      written++;
      if (!target.write(piece)) return void target.once("drain", pump);
    }
    target.end();
  };
  pump();
}

const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const sse = (response: ServerResponse) =>
  response.writeHead(200, { "content-type": "text/event-stream" });

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<string> {
  let text = "";
  for await (const piece of stream) text += piece.choices[0]?.delta.content ?? "";
  return text;
}

describe("bounded reads", () => {
  it("stops reading an endless answer at maxResponseBytes and closes the connection", async () => {
    handle = (_, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      endless(response, Buffer.alloc(64 * 1024, "1"));
    };
    const error = await failure(client({ maxResponseBytes: 1024 * 1024 }).completion(hello));
    expect(ProxyRequestError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ retryable: false, status: 200 });
    expect(error.message).toContain("maxResponseBytes (1048576 bytes)");
    await vi.waitFor(() => expect(seen[0]?.closedEarly).toBe(true));
  });

  it("a gzip bomb is stopped by the same limit, on inflated bytes", async () => {
    handle = (_, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      const gzip = createGzip();
      gzip.pipe(response);
      response.on("close", () => gzip.destroy());
      endless(gzip, Buffer.alloc(1024 * 1024)); // ~1 KB compressed per inflated MiB, without end
    };
    const error = await failure(
      client({ maxResponseBytes: 4 * 1024 * 1024 }).embedding({ model: "e", input: "x" }),
    );
    expect(error).toBeInstanceOf(ProxyRequestError);
    expect(error.message).toContain("maxResponseBytes (4194304 bytes)");
  });

  it("keeps no more than maxErrorBodyBytes of an error body, on every retry", async () => {
    handle = (_, response) => {
      response.writeHead(502, { "content-type": "text/plain" });
      response.end("x".repeat(1024 * 1024));
    };
    const error = await failure(
      client({ maxRetries: 2, maxErrorBodyBytes: 1000 }).completion(hello),
    );
    expect(error).toMatchObject({ status: 502, retryable: true });
    expect(error.body).toBe("x".repeat(1000));
    expect(error.message).toContain("maxErrorBodyBytes = 1000 bytes");
    expect(seen).toHaveLength(3);
  });

  it("a stream event longer than maxEventBytes ends the stream with an error naming it", async () => {
    handle = (_, response) => {
      sse(response);
      response.write("data: ");
      endless(response, "x".repeat(16 * 1024), 128); // 2 MiB, no line break
    };
    const stream = await client({ maxEventBytes: 64 * 1024 }).completion({
      ...hello,
      stream: true,
    });
    const error = await failure(collect(stream));
    expect(error).toBeInstanceOf(ProxyRequestError);
    expect(error.message).toContain("maxEventBytes (65536)");
  });

  it("limits are checked where they are given", () => {
    expect(() => client({ maxResponseBytes: 0 })).toThrow(ConfigurationError);
    expect(() => client({ maxEventBytes: 1.5 })).toThrow(/"maxEventBytes"/);
  });
});

describe("streams that are not what they claim", () => {
  const answers: [string, Handler, RegExp][] = [
    [
      "JSON",
      (_, response) => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end('{"error":{"message":"streaming is disabled for this key"}}');
      },
      /200 with application\/json instead of text\/event-stream: streaming is disabled/,
    ],
    [
      "an HTML page",
      (_, response) => {
        response.writeHead(200, { "content-type": "text/html" });
        response.end("<html>Welcome</html>");
      },
      /200 with text\/html instead of text\/event-stream/,
    ],
    [
      "a redirect to a sign-in page",
      (request, response) => {
        if (request.url === "/login") {
          response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          response.end("<form>Sign in</form>");
        } else {
          response.writeHead(302, { location: "/login" });
          response.end();
        }
      },
      /with text\/html; charset=utf-8 after a redirect to http:\/\/127\.0\.0\.1:\d+ instead of text\/event-stream/,
    ],
  ];
  it.each(answers)(
    "a stream answered with %s is an error that says what came back",
    async (_, handler, message) => {
      handle = handler;
      const error = await failure(client().completion({ ...hello, stream: true }));
      expect(error).toBeInstanceOf(ProxyRequestError);
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(message);
    },
  );

  it("a stream that ends without [DONE] fails after its chunks: the answer is incomplete", async () => {
    handle = (_, response) => {
      sse(response);
      response.end(chunk("Hel") + chunk("lo"));
    };
    const stream = await client().completion({ ...hello, stream: true });
    const received: string[] = [];
    const error = await failure(
      (async () => {
        for await (const piece of stream) received.push(piece.choices[0]?.delta.content ?? "");
      })(),
    );
    expect(received).toEqual(["Hel", "lo"]);
    expect(error).toBeInstanceOf(ProxyRequestError);
    expect(error.message).toMatch(/ended before \[DONE\]/);
  });

  const bad: [string, string, RegExp][] = [
    ["data: null", "data: null\n\n", /not a chunk object \(null\)/],
    ['{"error": null}', 'data: {"error": null}\n\n', /error mid-stream: \{"error": null\}/],
    [
      "an error event",
      'event: error\ndata: {"message":"upstream overloaded"}\n\n',
      /error mid-stream: upstream overloaded/,
    ],
    ["an error event in plain text", "event: error\ndata: quota exceeded\n\n", /quota exceeded/],
  ];
  it.each(bad)("%s is a typed error carrying what the proxy said", async (_, event, message) => {
    handle = (_, response) => {
      sse(response);
      response.end(`${chunk("Hi")}${event}data: [DONE]\n\n`);
    };
    const error = await failure(collect(await client().completion({ ...hello, stream: true })));
    expect(error).toBeInstanceOf(ProxyRequestError);
    expect(error.message).toMatch(message);
  });

  it("what the proxy echoes back (the key it was sent) is redacted from stream errors", async () => {
    const key = "sk-proxy-SECRET-0123456789abcdef";
    const echoes: Handler[] = [
      (_, response) => {
        sse(response);
        response.end(`event: error\ndata: {"message":"bad key ${key}"}\n\ndata: [DONE]\n\n`);
      },
      (_, response) => {
        sse(response);
        response.end(`data: {"error":{"message":"bad key ${key}"}}\n\n`);
      },
      (_, response) => {
        sse(response);
        response.end(`data: not json ${key}\n\n`);
      },
      (_, response) => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(`{"error":{"message":"bad key ${key}"}}`);
      },
    ];
    for (const echo of echoes) {
      handle = echo;
      const error = await failure(
        client({ apiKey: key })
          .completion({ ...hello, stream: true })
          .then(collect),
      );
      expect(error).toBeInstanceOf(ProxyRequestError);
      expect(`${error.message} ${JSON.stringify(error.body)}`).not.toContain(key);
    }
  });

  it("a connection reset mid-stream is a typed, retryable error", async () => {
    handle = (_, response) => {
      sse(response);
      response.write(chunk("Hi"), () => setTimeout(() => response.socket?.resetAndDestroy(), 20));
    };
    const error = await failure(collect(await client().completion({ ...hello, stream: true })));
    expect(error).toBeInstanceOf(ProxyRequestError);
    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toMatch(/broke mid-stream/);
  });

  it("keep-alive comments count as activity: a slow model behind a pinging proxy is not cut off", async () => {
    // The answer takes 3 s; the silence limit is 2 s; a ping every 250 ms. Without pings counting,
    // the stream must time out; with them, a stall of up to 1.75 s of the event loop is absorbed.
    handle = (_, response) => {
      sse(response);
      let pings = 0;
      const timer = setInterval(() => {
        if (++pings < 12) return void response.write(": ping\n\n");
        clearInterval(timer);
        response.end(`${chunk("late but whole")}data: [DONE]\n\n`);
      }, 250);
      response.on("close", () => clearInterval(timer));
    };
    const stream = await client({ timeoutMs: 2_000 }).completion({ ...hello, stream: true });
    expect(await collect(stream)).toBe("late but whole");
  });

  it("closing the iterator before the first read closes the connection", async () => {
    handle = (_, response) => {
      sse(response);
      response.write(": ping\n\n");
    };
    const stream = await client().completion({ ...hello, stream: true });
    await stream[Symbol.asyncIterator]().return?.();
    await vi.waitFor(() => expect(seen[0]?.closedEarly).toBe(true));
  });

  it("a process that closes a stream before reading it exits (no connection, no timer left)", async () => {
    handle = (_, response) => {
      sse(response);
      response.write(": ping\n\n"); // and the connection stays open
    };
    const script = `
      import { createClient } from "./dist/index.js";
      const stream = await createClient({ apiBase: ${JSON.stringify(apiBase)} })
        .completion({ model: "m", messages: [], stream: true });
      await stream[Symbol.asyncIterator]().return();
      console.log("closed");
    `;
    const cwd = fileURLToPath(new URL("..", import.meta.url));
    const started = Date.now();
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ["--input-type=module", "-e", script],
        { cwd, timeout: 20_000 },
        (_, stdout) => resolve({ code: child.exitCode, stdout }),
      );
    });
    expect(result).toEqual({ code: 0, stdout: "closed\n" });
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe("headers", () => {
  const echo: Handler = (_, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end('{"object":"list","model":"e","data":[]}');
  };
  const shapes: [string, HeadersInit][] = [
    ["a Headers object", new Headers({ "x-team": "blue" })],
    ["a record", { "X-Team": "blue" }],
    ["[name, value] pairs", [["x-team", "blue"]]],
  ];
  it.each(shapes)("accepts %s, per call and per client", async (_, headers) => {
    handle = echo;
    await client({ headers: headers as never }).embedding({ model: "e", input: "x" });
    await client().embedding({ model: "e", input: "x" }, { headers: headers as never });
    expect(seen.map((request) => request.headers["x-team"])).toEqual(["blue", "blue"]);
  });

  it("call headers win over client headers, whatever the case", async () => {
    handle = echo;
    await client({ headers: new Headers({ "X-Team": "blue" }) }).embedding(
      { model: "e", input: "x" },
      { headers: [["x-team", "red"]] },
    );
    expect(seen[0]?.headers["x-team"]).toBe("red");
  });

  const invalid: [string, unknown][] = [
    ["a value with CR/LF", { "x-team": "blue\r\nx-admin: true" }],
    ["a value with a bare LF", { "x-team": "blue\nx" }],
    ["an invalid name", { "x team": "blue" }],
    ["a name with a colon", { "x-team:": "blue" }],
    ["a pair that is not a pair", [["x-team"]]],
  ];
  it.each(invalid)(
    "refuses %s at once, as a ConfigurationError, and sends nothing",
    async (_, headers) => {
      handle = echo;
      const error = await failure(
        client({ maxRetries: 2 }).embedding(
          { model: "e", input: "x" },
          { headers: headers as never },
        ),
      );
      expect(ConfigurationError.isInstance(error)).toBe(true);
      expect(error.message).toContain('"headers"');
      expect(() => client({ headers: headers as never })).toThrow(ConfigurationError);
      expect(seen).toHaveLength(0);
    },
  );

  it("refuses an apiKey with a line break", () => {
    expect(() => client({ apiKey: "key\r\nx-admin: 1" })).toThrow(/"apiKey"/);
  });
});
