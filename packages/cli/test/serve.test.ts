import { execFile } from "node:child_process";
import { promisify } from "node:util";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type Deployment,
  eventually,
  type RunningCli,
  runCli,
  startCli,
  startDeployment,
} from "./cli.js";

const curl = (args: string[]) =>
  promisify(execFile)("curl", ["--silent", "--show-error", "--max-time", "20", ...args], {
    encoding: "utf8",
  });
const chat = JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] });
const streamed = JSON.stringify({
  model: "gpt-4",
  stream: true,
  messages: [{ role: "user", content: "one two three four" }],
});

let deployment: Deployment;
let serve: RunningCli & { url: string };
beforeAll(async () => {
  deployment = await startDeployment(3600);
  serve = await startCli(["serve", "--port", "0", "--verbose"], deployment.environment);
});
afterAll(async () => {
  serve.child.kill("SIGKILL");
  await deployment.close();
});
beforeEach(() => {
  deployment.proxy.resetRecords();
  deployment.proxy.clearFaults();
  deployment.proxy.streamDelayMs = 0;
});

describe("proxy-auth serve with curl", () => {
  it("forwards a chat completion with the token added and the client's own key removed", async () => {
    const { stdout } = await curl([
      `${serve.url}/v1/chat/completions`,
      "-H",
      "content-type: application/json",
      "-H",
      "authorization: Bearer placeholder-key",
      "-d",
      chat,
    ]);
    expect(JSON.parse(stdout).choices[0].message.content).toBe("Echo: Hello!");
    const [request] = deployment.proxy.requests;
    expect(request?.status).toBe(200);
    expect(request?.path).toBe("/v1/chat/completions");
    expect(request?.token).toMatch(/^eyJ/);
  });

  it("streams server-sent events through as the proxy sends them", async () => {
    deployment.proxy.streamDelayMs = 150;
    const received: string[] = [];
    let upstreamDoneAtFirstChunk: boolean | undefined;
    await new Promise<void>((resolve, reject) => {
      const child = execFile("curl", [
        "--silent",
        "--no-buffer",
        `${serve.url}/chat/completions`,
        "-H",
        "content-type: application/json",
        "-d",
        streamed,
      ]);
      child.stdout?.setEncoding("utf8").on("data", (text: string) => {
        if (received.length === 0) {
          // The proxy records the stream's end only once it has sent its last event.
          upstreamDoneAtFirstChunk = deployment.proxy.requests[0]?.streamClosedEarly !== undefined;
        }
        received.push(text);
      });
      child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`curl ${code}`))));
    });
    expect(upstreamDoneAtFirstChunk).toBe(false);
    expect(received.length).toBeGreaterThan(2);
    expect(received.join("")).toContain("data: [DONE]");
    expect(deployment.proxy.requests[0]?.streamClosedEarly).toBe(false);
  });

  it("removes hop-by-hop headers, including those named by Connection", async () => {
    await curl([
      `${serve.url}/chat/completions`,
      "-H",
      "content-type: application/json",
      "-H",
      "connection: keep-alive, x-hop",
      "-H",
      "x-hop: only for this connection",
      "-H",
      "keep-alive: timeout=5",
      "-H",
      "x-end-to-end: kept",
      "-d",
      chat,
    ]);
    const headers = deployment.proxy.requests[0]?.headers ?? {};
    expect(headers["x-end-to-end"]).toBe("kept");
    expect(headers["x-hop"]).toBeUndefined();
    expect(headers["keep-alive"]).toBeUndefined();
  });

  it("refuses requests addressed to another host name or sent from another origin", async () => {
    const [rebound, page, local] = await Promise.all(
      [
        ["-H", "host: attacker.example"],
        ["-H", "origin: https://attacker.example"],
        ["-H", `origin: ${serve.url}`],
      ].map(async (headers) => {
        const { stdout } = await curl([
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          ...headers,
          `${serve.url}/chat/completions`,
          "-H",
          "content-type: application/json",
          "-d",
          chat,
        ]);
        return stdout;
      }),
    );
    expect([rebound, page, local]).toEqual(["403", "403", "200"]);
    expect(deployment.proxy.requests).toHaveLength(1);
  });
});

describe("proxy-auth serve with the openai package", () => {
  const openai = () => new OpenAI({ baseURL: serve.url, apiKey: "unused", maxRetries: 0 });

  it("chat and embeddings", async () => {
    const completion = await openai().chat.completions.create({
      model: "gpt-4",
      messages: [{ role: "user", content: "Hi there" }],
    });
    expect(completion.choices[0]?.message.content).toBe("Echo: Hi there");
    const embeddings = await openai().embeddings.create({
      model: "text-embedding-3-small",
      input: ["a", "b"],
    });
    expect(embeddings.data).toHaveLength(2);
    expect(embeddings.data[0]?.embedding).toHaveLength(8);
  });

  it("a stream arrives chunk by chunk, before the proxy has finished sending it", async () => {
    deployment.proxy.streamDelayMs = 100;
    const stream = await openai().chat.completions.create({
      model: "gpt-4",
      stream: true,
      messages: [{ role: "user", content: "alpha beta gamma" }],
    });
    let text = "";
    let upstreamDoneAtFirstChunk: boolean | undefined;
    for await (const chunk of stream) {
      upstreamDoneAtFirstChunk ??= deployment.proxy.requests[0]?.streamClosedEarly !== undefined;
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(upstreamDoneAtFirstChunk).toBe(false);
    expect(text).toBe("Echo: alpha beta gamma");
  });

  it("a 401 from the proxy is answered by one replay with a fresh token", async () => {
    await openai().chat.completions.create({
      model: "gpt-4",
      messages: [{ role: "user", content: "1" }],
    });
    const first = deployment.proxy.requests[0]?.token as string;
    deployment.proxy.revoke(first);
    const grants = deployment.idp.tokensIssued;
    const completion = await openai().chat.completions.create({
      model: "gpt-4",
      messages: [{ role: "user", content: "2" }],
    });
    expect(completion.choices[0]?.message.content).toBe("Echo: 2");
    const [, rejected, replayed] = deployment.proxy.requests;
    expect(rejected?.status).toBe(401);
    expect(rejected?.token).toBe(first);
    expect(replayed?.status).toBe(200);
    expect(replayed?.token).not.toBe(first);
    expect(replayed?.body).toEqual(rejected?.body);
    expect(deployment.idp.tokensIssued - grants).toBe(1);
    expect(serve.stderr()).toContain("replaying once with a fresh token");
  });

  it("a body too large to hold streams through once: a 401 is passed on, not replayed", async () => {
    await openai().chat.completions.create({
      model: "gpt-4",
      messages: [{ role: "user", content: "1" }],
    });
    deployment.proxy.revoke(deployment.proxy.requests[0]?.token as string);
    const large = "x".repeat(1024 * 1024 + 1);
    const error = await openai()
      .chat.completions.create({ model: "gpt-4", messages: [{ role: "user", content: large }] })
      .catch((caught: unknown) => caught);
    expect((error as { status?: number }).status).toBe(401);
    expect(deployment.proxy.requests).toHaveLength(2);
    // The upstream got the whole body, streamed.
    expect(JSON.stringify(deployment.proxy.requests[1]?.body)).toContain(large);
    // That token is not used again: the next request carries a fresh one at once.
    await openai().chat.completions.create({
      model: "gpt-4",
      messages: [{ role: "user", content: "3" }],
    });
    expect(deployment.proxy.requests.map((request) => request.status)).toEqual([200, 401, 200]);
  });

  it("a client that goes away cancels the upstream request", async () => {
    deployment.proxy.streamDelayMs = 200;
    const abort = new AbortController();
    const stream = await openai().chat.completions.create(
      { model: "gpt-4", stream: true, messages: [{ role: "user", content: "a b c d e f g h" }] },
      { signal: abort.signal },
    );
    for await (const _chunk of stream) {
      abort.abort();
      break;
    }
    // Only a cancelled upstream request makes the proxy see its client leave mid-stream.
    await eventually(() => deployment.proxy.requests[0]?.streamClosedEarly !== undefined);
    expect(deployment.proxy.requests[0]?.streamClosedEarly).toBe(true);
  });
});

describe("proxy-auth serve: listening and stopping", () => {
  it("refuses a non-loopback --host without a local key (exit 2), and enforces a local key", async () => {
    const refused = await runCli(["serve", "--host", "0.0.0.0"], deployment.environment);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("0.0.0.0 is not a loopback address");
    expect(refused.stderr).toContain("--local-key");
    const short = await runCli(
      ["serve", "--host", "0.0.0.0", "--local-key", "short"],
      deployment.environment,
    );
    expect(short.code).toBe(2);

    const key = "a-local-key-of-some-length";
    const guarded = await startCli(["serve", "--port", "0", "--local-key", key], {
      ...deployment.environment,
    });
    try {
      const status = async (headers: string[]) =>
        (
          await curl([
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            ...headers,
            `${guarded.url}/chat/completions`,
            "-H",
            "content-type: application/json",
            "-d",
            chat,
          ])
        ).stdout;
      expect(await status([])).toBe("401");
      expect(await status(["-H", "authorization: Bearer not-the-key-at-all"])).toBe("401");
      expect(await status(["-H", `authorization: Bearer ${key}`])).toBe("200");
      expect(await status(["-H", `x-api-key: ${key}`])).toBe("200");
      // The local key is the client's, never the proxy's.
      expect(deployment.proxy.requests.every((request) => request.token !== key)).toBe(true);
      expect(guarded.stderr()).not.toContain(key);
    } finally {
      guarded.child.kill("SIGKILL");
    }
  });

  it("--header/--scheme put the bare token in another header; a malformed one is refused", async () => {
    const malformed = await runCli(["serve", "--header", "x header"], deployment.environment);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('"header" must be a header name');
    const portkey = await startCli(
      ["serve", "--port", "0", "--header", "x-portkey-api-key", "--scheme", ""],
      deployment.environment,
    );
    try {
      await curl([
        `${portkey.url}/chat/completions`,
        "-H",
        "content-type: application/json",
        "-d",
        chat,
      ]);
      const request = deployment.proxy.requests[0];
      expect(request?.headers["x-portkey-api-key"]).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(request?.headers.authorization).toBeUndefined();
    } finally {
      portkey.child.kill("SIGKILL");
    }
  });

  it("SIGTERM: new connections are refused, the request in flight finishes, exit 0", async () => {
    const own = await startCli(["serve", "--port", "0"], deployment.environment);
    deployment.proxy.streamDelayMs = 100;
    let output = "";
    const finished = new Promise<number | null>((resolve) => {
      const child = execFile("curl", [
        "--silent",
        "--no-buffer",
        `${own.url}/chat/completions`,
        "-H",
        "content-type: application/json",
        "-d",
        streamed,
      ]);
      child.stdout?.setEncoding("utf8").on("data", (text: string) => {
        if (output === "") own.child.kill("SIGTERM");
        output += text;
      });
      child.once("exit", resolve);
    });
    await eventually(() => own.stderr().includes("SIGTERM: finishing 1 request(s) in flight"));
    await expect(fetch(`${own.url}/chat/completions`, { method: "POST" })).rejects.toThrow();
    expect(await finished).toBe(0);
    expect(output).toContain("data: [DONE]");
    expect(await own.exited).toBe(0);
    expect(deployment.proxy.requests[0]?.streamClosedEarly).toBe(false);
  });

  it("a request that outlasts --shutdown-timeout is cut off, exit 1", async () => {
    const own = await startCli(
      ["serve", "--port", "0", "--shutdown-timeout", "1"],
      deployment.environment,
    );
    deployment.proxy.injectFault({ kind: "hang" });
    const pending = fetch(`${own.url}/chat/completions`, { method: "POST", body: chat }).catch(
      (error: unknown) => error,
    );
    await eventually(() => deployment.proxy.requests.length === 1);
    own.child.kill("SIGTERM");
    expect(await own.exited).toBe(1);
    expect(own.stderr()).toContain("1 request(s) cut off");
    expect(await pending).toBeInstanceOf(Error);
  });
});
