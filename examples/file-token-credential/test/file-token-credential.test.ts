import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfigurationError,
  InvalidTokenError,
  ProxyAuthHandler,
  TokenAcquisitionError,
} from "@proxy-auth/core";
import {
  type IdentityProvider,
  type MockProxy,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { FileTokenCredential } from "../src/index.js";

let idp: IdentityProvider;
let proxy: MockProxy;
let directory: string;
let file: string;

beforeAll(async () => {
  idp = await startIdentityProvider();
  proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
  });
});
afterAll(async () => {
  await proxy.close();
  await idp.close();
});
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "file-token-"));
  file = join(directory, "token");
  return () => rmSync(directory, { recursive: true, force: true });
});

/** A real JWT from the identity provider, as a token projector would write it. */
const issueToken = () => idp.issueToken();

const expiryOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString()).exp as number;

describe("FileTokenCredential", () => {
  it("serves the file's JWT through a handler to a JWT-checking proxy, expiry from exp", async () => {
    const token = await issueToken();
    writeFileSync(file, `${token}\n`);
    const credential = new FileTokenCredential({ path: file });
    const read = await credential.getToken("ignored");
    expect(read).toEqual({ token, expiresOn: expiryOf(token) });
    const handler = new ProxyAuthHandler({ credential, scope: "litellm_proxy_api" });
    const response = await fetch(`${proxy.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(await handler.getAuthHeaders()) },
      body: JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] }),
    });
    expect(response.status).toBe(200);
  });

  it("re-reads the file only when the token nears expiry, picking up the rotated token", async () => {
    const first = await issueToken();
    writeFileSync(file, first);
    let now = Date.now();
    const credential = new FileTokenCredential({ path: file, now: () => now });
    const handler = new ProxyAuthHandler({ credential, scope: "s", now: () => now });
    expect((await handler.getToken()).token).toBe(first);
    const second = await issueToken();
    writeFileSync(file, second); // the projector rotated the file
    now = expiryOf(first) * 1000 - 400_000; // outside both windows: still the first, no read
    expect((await credential.getToken("s")).token).toBe(first);
    now = expiryOf(first) * 1000 - 30_000; // inside the handler's buffer and the re-read window
    expect((await handler.getToken()).token).toBe(first); // served at once while it refreshes
    // The background refresh reads the file (real I/O), then the rotated token is served.
    await vi.waitFor(async () => expect((await handler.getToken()).token).toBe(second));
  });

  it("a missing file is a retryable TokenAcquisitionError naming the path", async () => {
    const error = await new FileTokenCredential({ path: file })
      .getToken("s")
      .catch((caught: unknown) => caught);
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toContain("ENOENT");
  });

  it("an expired token in the file is a retryable failure", async () => {
    const token = await issueToken();
    writeFileSync(file, token);
    const credential = new FileTokenCredential({
      path: file,
      now: () => (expiryOf(token) + 1) * 1000,
    });
    const error = await credential.getToken("s").catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "TOKEN_ACQUISITION_FAILED", retryable: true });
  });

  it("an empty file or an opaque token is an InvalidTokenError, unless lifetimeSeconds is set", async () => {
    writeFileSync(file, "\n");
    expect(
      InvalidTokenError.isInstance(
        await new FileTokenCredential({ path: file }).getToken("s").catch((e: unknown) => e),
      ),
    ).toBe(true);
    writeFileSync(file, "opaque-token");
    const error = await new FileTokenCredential({ path: file })
      .getToken("s")
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/lifetimeSeconds/);
    const now = 1_800_000_000_000;
    expect(
      await new FileTokenCredential({ path: file, lifetimeSeconds: 600, now: () => now }).getToken(
        "s",
      ),
    ).toEqual({
      token: "opaque-token",
      expiresOn: 1_800_000_600,
    });
  });

  it("rejects bad options with a ConfigurationError", () => {
    expect(() => new FileTokenCredential({ path: "" })).toThrow(ConfigurationError);
    expect(() => new FileTokenCredential({ path: file, rereadBeforeExpirySeconds: -1 })).toThrow(
      /rereadBeforeExpirySeconds/,
    );
  });
});
