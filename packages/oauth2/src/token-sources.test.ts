import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import {
  ConfigurationError,
  CredentialUnavailableError,
  TokenAcquisitionError,
} from "@proxy-auth/core";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { clientAssertionFromFile } from "./client-assertion-from-file.js";
import { gcpMetadataIdToken } from "./gcp-metadata-id-token.js";
import { githubActionsIdToken } from "./github-actions-id-token.js";

const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2lnbmF0dXJl";
const SENTINEL_REQUEST_TOKEN = "SENTINEL-actions-request-token";

/** A loopback server standing in for the Actions token service and the GCP metadata server. */
let server: Server;
let base: string;
let answer: (request: IncomingMessage) => { status: number; body: string; hang?: boolean };
const seen: IncomingMessage[] = [];
beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request);
    const { status, body, hang } = answer(request);
    if (hang) return;
    response.writeHead(status, { "content-type": "application/json", "metadata-flavor": "Google" });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);
afterEach(() => {
  vi.unstubAllEnvs();
  seen.length = 0;
});

const failure = async (
  promise: Promise<unknown>,
  type: typeof TokenAcquisitionError | typeof CredentialUnavailableError = TokenAcquisitionError,
) => {
  const error = await promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (caught: unknown) => caught,
  );
  expect(type.isInstance(error)).toBe(true);
  const text = `${inspect(error, { depth: 10 })}${JSON.stringify(error)}`;
  expect(text).not.toContain(SENTINEL_REQUEST_TOKEN);
  expect(text).not.toContain(JWT);
  return error as TokenAcquisitionError;
};

describe("clientAssertionFromFile", () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), "proxy-auth-source-"));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("reads the file on every call (trimmed), so a rewritten file is picked up", async () => {
    const file = join(directory, "token");
    const source = clientAssertionFromFile(file);
    writeFileSync(file, `${JWT}\n`);
    expect(await source()).toBe(JWT);
    writeFileSync(file, "a.b.c");
    expect(await source()).toBe("a.b.c");
  });

  it("a missing file: unavailable here, naming the path; an empty one: retryable; a huge one: refused", async () => {
    const missing = await failure(
      clientAssertionFromFile(join(directory, "absent"))(),
      CredentialUnavailableError,
    );
    expect(missing).toMatchObject({ code: "CREDENTIAL_UNAVAILABLE", retryable: false });
    expect(missing.message).toMatch(/absent.*ENOENT/);
    writeFileSync(join(directory, "empty"), "");
    expect(await failure(clientAssertionFromFile(join(directory, "empty"))())).toMatchObject({
      retryable: true,
    });
    writeFileSync(join(directory, "huge"), "x".repeat(70_000));
    expect((await failure(clientAssertionFromFile(join(directory, "huge"))())).message).toMatch(
      /larger than 65536 bytes/,
    );
  });

  it("refuses a named pipe or a device at once, leaving no read blocked", async () => {
    const fifo = join(directory, "pipe");
    execFileSync("mkfifo", [fifo]);
    // Blocking opens of a pipe would hold the file-system threads (4 by default) forever.
    for (let attempt = 0; attempt < 8; attempt++) {
      const error = await failure(clientAssertionFromFile(fifo)());
      expect(error.message).toMatch(/is not a regular file/);
      expect(error.retryable).toBe(false);
    }
    expect((await failure(clientAssertionFromFile("/dev/zero")())).message).toMatch(
      /is not a regular file/,
    );
    // The pool is still free: an ordinary file is read.
    writeFileSync(join(directory, "after"), JWT);
    expect(await clientAssertionFromFile(join(directory, "after"))()).toBe(JWT);
  });
});

describe("githubActionsIdToken", () => {
  it("outside a GitHub Actions job: a typed error naming the variables and the permission", async () => {
    vi.stubEnv("ACTIONS_ID_TOKEN_REQUEST_URL", "");
    vi.stubEnv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "");
    const error = await failure(githubActionsIdToken()(), CredentialUnavailableError);
    expect(error).toMatchObject({ code: "CREDENTIAL_UNAVAILABLE", retryable: false });
    expect(error.message).toMatch(/ACTIONS_ID_TOKEN_REQUEST_URL.*id-token: write/);
  });

  it("asks the runner's token service with its bearer token and the audience", async () => {
    vi.stubEnv("ACTIONS_ID_TOKEN_REQUEST_URL", `http://${base}/_apis/idtoken?api-version=2.0`);
    vi.stubEnv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", SENTINEL_REQUEST_TOKEN);
    answer = () => ({ status: 200, body: JSON.stringify({ value: JWT }) });
    expect(await githubActionsIdToken({ audience: "api://AzureADTokenExchange" })()).toBe(JWT);
    const url = new URL(seen[0]?.url ?? "", `http://${base}`);
    expect(url.searchParams.get("api-version")).toBe("2.0");
    expect(url.searchParams.get("audience")).toBe("api://AzureADTokenExchange");
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${SENTINEL_REQUEST_TOKEN}`);
  });

  it("never sends the request token over plain http to a remote host", async () => {
    vi.stubEnv("ACTIONS_ID_TOKEN_REQUEST_URL", "http://actions.example.com/idtoken");
    vi.stubEnv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", SENTINEL_REQUEST_TOKEN);
    expect((await failure(githubActionsIdToken()())).message).toMatch(/must use https/);
  });

  it.each([
    ["a 403", { status: 403, body: "{}" }, { status: 403, retryable: false }],
    ["a 503", { status: 503, body: "{}" }, { status: 503, retryable: true }],
    ["no value", { status: 200, body: "{}" }, { retryable: false }],
    ["a huge body", { status: 200, body: "x".repeat(100_000) }, { retryable: false }],
  ])("%s is a typed error", async (_, reply, expected) => {
    vi.stubEnv("ACTIONS_ID_TOKEN_REQUEST_URL", `http://${base}/idtoken`);
    vi.stubEnv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", SENTINEL_REQUEST_TOKEN);
    answer = () => reply;
    expect(await failure(githubActionsIdToken()())).toMatchObject(expected);
  });

  it("a hanging service times out (retryable)", async () => {
    vi.stubEnv("ACTIONS_ID_TOKEN_REQUEST_URL", `http://${base}/idtoken`);
    vi.stubEnv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", SENTINEL_REQUEST_TOKEN);
    answer = () => ({ status: 200, body: "", hang: true });
    const error = await failure(githubActionsIdToken({ timeoutMs: 100 })());
    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toMatch(/did not answer within 100 ms/);
  });
});

describe("gcpMetadataIdToken", () => {
  it("asks the metadata server at GCE_METADATA_HOST with Metadata-Flavor and the audience", async () => {
    vi.stubEnv("GCE_METADATA_HOST", base);
    answer = () => ({ status: 200, body: `${JWT}\n` });
    expect(await gcpMetadataIdToken({ audience: "https://gateway.example.com" })()).toBe(JWT);
    const request = seen[0] as IncomingMessage;
    const url = new URL(request.url ?? "", `http://${base}`);
    expect(url.pathname).toBe("/computeMetadata/v1/instance/service-accounts/default/identity");
    expect(url.searchParams.get("audience")).toBe("https://gateway.example.com");
    expect(request.headers["metadata-flavor"]).toBe("Google");
  });

  it("no metadata server: unavailable here, and it says so", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    vi.stubEnv("GCE_METADATA_HOST", `127.0.0.1:${port}`);
    const error = await failure(
      gcpMetadataIdToken({ audience: "x" })(),
      CredentialUnavailableError,
    );
    expect(error.message).toMatch(/ECONNREFUSED.*not a Google Cloud workload/);
  });

  it("a 404 (no service account) is not retryable", async () => {
    vi.stubEnv("GCE_METADATA_HOST", base);
    answer = () => ({ status: 404, body: "not found" });
    expect(await failure(gcpMetadataIdToken({ audience: "x" })())).toMatchObject({
      status: 404,
      retryable: false,
    });
  });

  it("needs an audience", () => {
    expect(() => gcpMetadataIdToken({} as never)).toThrow(/audience/);
  });
});

describe("bad arguments are ConfigurationErrors, as everywhere else", () => {
  it("clientAssertionFromFile without a path, gcpMetadataIdToken without an audience", () => {
    expect(() => clientAssertionFromFile("")).toThrow(ConfigurationError);
    expect(() => gcpMetadataIdToken({ audience: "" })).toThrow(ConfigurationError);
    expect(() => gcpMetadataIdToken(undefined as never)).toThrow(
      /"audience" must be a non-empty string/,
    );
  });
});
