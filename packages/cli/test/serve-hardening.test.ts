import { execFile } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Deployment, type RunningCli, startCli, startDeployment } from "./cli.js";

/**
 * The forwarder attacked from outside, through the built bin: a target that echoes the token,
 * pages of other origins, paths that climb out of the target's base path.
 */
const curl = async (args: string[]) =>
  (
    await promisify(execFile)("curl", ["--silent", "--show-error", "--max-time", "20", ...args], {
      encoding: "utf8",
    })
  ).stdout;
const status = (url: string, ...args: string[]) =>
  curl(["-o", "/dev/null", "-w", "%{http_code}", ...args, url]);

/** A careless target under /base: it quotes the Authorization header back, in many ways. */
let echo: Server;
let echoUrl: string;
const seen: { method: string; path: string; token: string }[] = [];
function startEcho(): Promise<void> {
  echo = createServer((request: IncomingMessage, response) => {
    const token = (request.headers.authorization ?? "").replace(/^Bearer /, "");
    seen.push({ method: request.method ?? "", path: request.url ?? "", token });
    request.resume();
    const quoted = JSON.stringify({
      error: { message: `bad credentials: Bearer ${token}`, echoed: request.headers },
    });
    const route = (request.url ?? "").replace(/^\/base/, "").split("?")[0];
    if (route === "/unauthorized") {
      response.writeHead(401, { "content-type": "application/json", "x-echo": token });
      response.end(quoted);
    } else if (route === "/crash") {
      response.writeHead(500, { "content-type": "text/plain" });
      response.end(
        `Traceback: token=${encodeURIComponent(token)} other=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln`,
      );
    } else if (route === "/stream") {
      // The token split over many small writes, as a streaming body would carry it.
      response.writeHead(200, { "content-type": "text/event-stream" });
      const text = `data: {"debug":"${token}"}\n\ndata: [DONE]\n\n`;
      let at = 0;
      const next = () => {
        if (at >= text.length) return void response.end();
        response.write(text.slice(at, at + 7));
        at += 7;
        setImmediate(next);
      };
      next();
    } else if (route === "/gzip") {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      response.end(gzipSync(quoted));
    } else {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ path: request.url }));
    }
  });
  return new Promise((resolve) =>
    echo.listen(0, "127.0.0.1", () => {
      echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

let deployment: Deployment;
let serve: RunningCli & { url: string };
beforeAll(async () => {
  deployment = await startDeployment(3600);
  await startEcho();
  serve = await startCli(["serve", "--port", "0", "--target", `${echoUrl}/base`], {
    ...deployment.environment,
  });
});
afterAll(async () => {
  serve.child.kill("SIGKILL");
  await new Promise((resolve) => echo.close(resolve));
  await deployment.close();
});
beforeEach(() => {
  seen.length = 0;
});

describe("a target that echoes the token (defect 3)", () => {
  it("401 and 500 bodies, headers, URL-encoded copies and other JWTs: redacted", async () => {
    const unauthorized = await curl(["-i", `${serve.url}/unauthorized`]);
    const crash = await curl([`${serve.url}/crash`]);
    const tokens = seen.map((request) => request.token);
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const token of tokens) {
      expect(token).toMatch(/^eyJ/);
      expect(unauthorized).not.toContain(token);
      expect(crash).not.toContain(token);
      expect(crash).not.toContain(encodeURIComponent(token));
    }
    expect(unauthorized).toMatch(/^HTTP\/1\.1 401/);
    expect(unauthorized).toMatch(/x-echo: \[redacted\]/i);
    expect(unauthorized).toContain("bad credentials: Bearer [redacted]");
    expect(crash).toBe("Traceback: token=[redacted] other=[redacted]");
  });

  it("a streamed body that carries the token in pieces, and a gzipped one: redacted", async () => {
    const stream = await curl(["--no-buffer", `${serve.url}/stream`]);
    const gzip = await curl(["--compressed", `${serve.url}/gzip`]);
    const [streamed, zipped] = seen;
    expect(stream).toBe('data: {"debug":"[redacted]"}\n\ndata: [DONE]\n\n');
    expect(gzip).toContain("bad credentials: Bearer [redacted]");
    expect(gzip).not.toContain(zipped?.token);
    expect(stream).not.toContain(streamed?.token);
  });

  it("TRACE is refused (405), TRACK too (400): never forwarded", async () => {
    expect(await status(`${serve.url}/anything`, "-X", "TRACE")).toBe("405");
    // Node's parser knows no TRACK method: refused before the forwarder sees it.
    expect(await status(`${serve.url}/anything`, "-X", "TRACK")).toBe("400");
    expect(seen).toHaveLength(0);
  });
});

describe("the origin rule without a local key (defect 6)", () => {
  it("refuses other origins (other local ports too) and cross-site requests without Origin", async () => {
    const url = `${serve.url}/models`;
    const port = new URL(serve.url).port;
    const answers = await Promise.all(
      [
        ["-H", "origin: http://localhost:3000"],
        ["-H", `origin: http://localhost:${Number(port) + 1}`],
        ["-H", "origin: null"],
        ["-H", "sec-fetch-site: cross-site"], // an <img> or a navigation: no Origin
        ["-H", "sec-fetch-site: same-site"],
        ["-H", "referer: https://attacker.example/page"],
        ["-H", "referer: http://localhost:3000/"],
      ].map((headers) => status(url, ...headers)),
    );
    expect(answers).toEqual(["403", "403", "403", "403", "403", "403", "403"]);
    expect(seen).toHaveLength(0);
    const admitted = await Promise.all(
      [
        [],
        ["-H", `origin: http://localhost:${port}`],
        ["-H", `origin: ${serve.url}`],
        ["-H", "sec-fetch-site: same-origin"],
        ["-H", "sec-fetch-site: none"],
      ].map((headers) => status(url, ...headers)),
    );
    expect(admitted).toEqual(["200", "200", "200", "200", "200"]);
  });
});

describe("paths under the target's base path (defect 9)", () => {
  it("refuses what climbs above the base, raw or percent-encoded; resolves the rest", async () => {
    const climbing = [
      "/../secret",
      "/%2e%2e/secret",
      "/%2E%2e/secret",
      "/v1/../../secret",
      "/v1/.%2e/%2e./secret",
      "/..%2fsecret",
      "/v1%5c..%5c..%5csecret",
      "/%zz",
      "/..;/secret",
      "/v1/%252e%252e/%252e%252e/secret",
    ];
    const answers = await Promise.all(
      climbing.map((path) => status(`${serve.url}${path}`, "--path-as-is")),
    );
    expect(answers).toEqual(climbing.map(() => "400"));
    expect(seen).toHaveLength(0);
    const resolved = await curl(["--path-as-is", `${serve.url}/v1/x/../%2e/models?a=../b`]);
    expect(JSON.parse(resolved)).toEqual({ path: "/base/v1/models?a=../b" });
  });
});

describe("the local key kept off the command line (defect 2)", () => {
  const key = "local-key-for-this-test-5f2a9c";
  it("--local-key-file and PROXY_AUTH_LOCAL_KEY: no key in the command line, enforced", async () => {
    const file = join(deployment.environment.HOME as string, "local-key");
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    for (const [args, environment] of [
      [["--local-key-file", file], {}],
      [[], { PROXY_AUTH_LOCAL_KEY: key }],
    ] as const) {
      const guarded = await startCli(["serve", "--port", "0", ...args], {
        ...deployment.environment,
        PROXY_AUTH_TARGET: echoUrl,
        ...environment,
      });
      try {
        expect(readFileSync(`/proc/${guarded.child.pid}/cmdline`, "utf8")).not.toContain(key);
        expect(await status(`${guarded.url}/models`)).toBe("401");
        expect(await status(`${guarded.url}/models`, "-H", `x-api-key: ${key}`)).toBe("200");
        expect(guarded.stderr()).not.toContain("--local-key shows");
      } finally {
        guarded.child.kill("SIGKILL");
      }
    }
  });

  it("--local-key-file readable by other users: a warning", async () => {
    const file = join(deployment.environment.HOME as string, "open-local-key");
    writeFileSync(file, key, { mode: 0o644 });
    chmodSync(file, 0o644);
    const guarded = await startCli(["serve", "--port", "0", "--local-key-file", file], {
      ...deployment.environment,
      PROXY_AUTH_TARGET: echoUrl,
    });
    guarded.child.kill("SIGKILL");
    expect(guarded.stderr()).toContain(`${file} can be read by other users: chmod 600 it`);
    expect(guarded.stderr()).not.toContain(key);
  });

  it("--local-key KEY: accepted with a warning, and erased from /proc/PID/cmdline once read", async () => {
    const guarded = await startCli(["serve", "--port", "0", "--local-key", key], {
      ...deployment.environment,
      PROXY_AUTH_TARGET: echoUrl,
    });
    try {
      const commandLine = readFileSync(`/proc/${guarded.child.pid}/cmdline`, "utf8");
      expect(commandLine).not.toContain(key);
      expect(commandLine).toMatch(/^proxy-auth serve/);
      expect(guarded.stderr()).toContain("--local-key shows the key to every user of this machine");
      expect(guarded.stderr()).not.toContain(key);
      expect(await status(`${guarded.url}/models`, "-H", `authorization: Bearer ${key}`)).toBe(
        "200",
      );
    } finally {
      guarded.child.kill("SIGKILL");
    }
  });
});
