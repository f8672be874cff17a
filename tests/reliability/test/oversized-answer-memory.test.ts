import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Issue #29: a refused oversized answer cost about 4.7× the limit (16 MiB → +76 MiB RSS). The
// refusal must cost what receiving the bytes costs the runtime, and little more.

const LIMIT = 16 << 20;
const SENT = 64 << 20;
const FIXTURE = fileURLToPath(new URL("./fixtures/oversized-answer-memory.mjs", import.meta.url));

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" });
      if (request.url?.startsWith("/small")) {
        response.end('{"error":"small"}');
        return;
      }
      // Chunked (no Content-Length): the limit can only be found by reading.
      const chunk = Buffer.alloc(64 << 10, 0x20);
      let written = 0;
      let closed = false;
      response.on("close", () => {
        closed = true;
      });
      response.write('{"pad":"');
      const pump = () => {
        while (!closed && written < SENT) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once("drain", pump);
        }
        if (!closed) response.end('"}');
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function measure(which: "client" | "oauth2" | "drain") {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--expose-gc", FIXTURE, base, which, String(LIMIT)],
    { cwd: fileURLToPath(new URL("..", import.meta.url)), timeout: 60_000 },
  );
  return JSON.parse(stdout) as { message: string; peakJsBytes: number; peakRssBytes: number };
}

describe("a refused oversized answer costs about the limit in memory", () => {
  // Measured in a child process: heap plus array buffers at their peak during the call (sampled
  // every millisecond, between the body's chunks), against a baseline taken after a full GC;
  // minus the same peak for a plain read of the same bytes through the runtime's fetch that keeps
  // nothing (the runtime's own buffers, not yet collected, are not ours to save). What is left
  // is what our reader costs beyond the runtime. Before issue #29 the client also decoded every
  // chunk into strings and joined them: about 1.1× the limit more (this test then fails).
  // RSS is printed but not asserted: the allocator keeps freed pages, so it says more about the
  // runtime than about the reader (the plain read alone costs about 3× the limit in RSS).
  let runtime: Awaited<ReturnType<typeof measure>>;
  beforeAll(async () => {
    runtime = await measure("drain");
  });

  it.each(["client", "oauth2"] as const)(
    "%s: less than half the limit beyond what the runtime's fetch costs",
    async (which) => {
      const result = await measure(which);
      expect(result.message).toMatch(/maxResponseBytes/);
      const ours = result.peakJsBytes - runtime.peakJsBytes;
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
      console.info(
        `${which}: refused ${SENT >> 20} MiB at a ${mib(LIMIT)} limit: peak JS +${mib(result.peakJsBytes)} (the runtime's read alone +${mib(runtime.peakJsBytes)}, ours ${mib(ours)}); peak RSS +${mib(result.peakRssBytes)} (runtime alone +${mib(runtime.peakRssBytes)})`,
      );
      expect(ours).toBeLessThan(0.5 * LIMIT);
    },
  );
});
