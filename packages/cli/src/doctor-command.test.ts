import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type MockProxy,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { doctorCommand } from "./doctor-command.js";

let idp: IdentityProvider;
let proxy: MockProxy;
let otherAudienceProxy: MockProxy;

beforeAll(async () => {
  idp = await startIdentityProvider();
  proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
  });
  otherAudienceProxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: "api://another-proxy",
  });
});

afterAll(async () => {
  await proxy?.close();
  await otherAudienceProxy?.close();
  await idp?.close();
});

/** Runs the doctor with the test provider's client and these extra variables and flags. */
async function doctor(args: string[], environment: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const status = await doctorCommand(args, {
    environment: {
      PROXY_AUTH_TOKEN_URL: idp.tokenUrl,
      PROXY_AUTH_CLIENT_ID: DEFAULT_CLIENT.clientId,
      PROXY_AUTH_CLIENT_SECRET: DEFAULT_CLIENT.clientSecret,
      PROXY_AUTH_SCOPE: "litellm_proxy_api",
      ...environment,
    },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { status, stdout, stderr };
}

/** No JWT, and not the client secret, anywhere in what the doctor printed. */
function expectNoSecrets(output: string) {
  expect(output).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
  expect(output).not.toContain(DEFAULT_CLIENT.clientSecret);
}

describe("proxy-auth doctor", () => {
  it("walks the whole path and exits 0 when the proxy accepts the token", async () => {
    const { status, stdout } = await doctor([
      "--target",
      proxy.url,
      "--issuer",
      idp.issuer,
      "--audience",
      idp.audience,
      "--model",
      "gpt-4",
    ]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/✓ discovery/);
    expect(stdout).toMatch(/✓ grant/);
    expect(stdout).toContain(`✓ iss      ${idp.issuer} (as the proxy expects)`);
    expect(stdout).toContain(`✓ aud      ${idp.audience} (as the proxy expects)`);
    expect(stdout).toMatch(/scope +litellm_proxy_api/);
    expect(stdout).toMatch(/✓ exp +in \d+ s/);
    expect(stdout).toMatch(/✓ clocks +against this machine: provider [+-]\d+ s, proxy [+-]\d+ s/);
    expect(stdout).toMatch(/✓ proxy +POST \/chat\/completions \(model gpt-4\) → 200/);
    expect(stdout.trim().split("\n").length).toBeLessThanOrEqual(12);
    expectNoSecrets(stdout);
  });

  it("names the audience mismatch behind a 401, and exits 1", async () => {
    // --audience names what the proxy expects; the client still asks for its default audience.
    const { status, stdout } = await doctor([
      "--target",
      otherAudienceProxy.url,
      "--audience",
      "api://another-proxy",
    ]);
    expect(status).toBe(1);
    expect(stdout).toContain(
      `✗ aud      ${idp.audience}, but the proxy expects api://another-proxy`,
    );
    expect(stdout).toMatch(/✗ proxy +POST \/chat\/completions .*→ 401 "Authentication Error/);
    expect(stdout).toMatch(/✗ meaning +the token's aud is not the audience the proxy expects/);
    expectNoSecrets(stdout);
  });

  it("says the grant failed, without the secret, and calls no proxy", async () => {
    const { status, stdout } = await doctor(["--target", proxy.url, "--issuer", idp.issuer], {
      PROXY_AUTH_CLIENT_SECRET: "wrong-secret-value-1234",
    });
    expect(status).toBe(1);
    expect(stdout).toMatch(/✗ grant +no token: .*invalid_client/);
    expect(stdout).toMatch(/✓ discovery/);
    expect(stdout).toMatch(/proxy +not called/);
    expect(stdout).not.toContain("wrong-secret-value-1234");
  });

  it("never prints the token, even when the proxy echoes it back", async () => {
    const echo = createServer((request, response) => {
      response.writeHead(401, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          error: { message: `Authentication Error, bad token ${request.headers.authorization}` },
        }),
      );
    });
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = echo.address() as AddressInfo;
      const { status, stdout } = await doctor(["--target", `http://127.0.0.1:${port}`]);
      expect(status).toBe(1);
      expect(stdout).toMatch(/→ 401 "Authentication Error, bad token .*\[redacted\]/);
      expectNoSecrets(stdout);
    } finally {
      echo.closeAllConnections();
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  it("says the proxy is unreachable", async () => {
    const { status, stdout } = await doctor(["--target", "http://127.0.0.1:9"]);
    expect(status).toBe(1);
    expect(stdout).toMatch(/✗ proxy +http:\/\/127\.0\.0\.1:9 not reachable/);
  });
});
