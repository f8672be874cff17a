import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { actAsPerson, DEFAULT_SIGN_IN_CLIENT } from "@proxy-auth/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Deployment, runCli, startCli, startDeployment } from "./cli.js";
import { type SecretService, startSecretService } from "./secret-service.js";

let deployment: Deployment;
let secretService: SecretService;
let environment: Record<string, string>;
beforeAll(async () => {
  deployment = await startDeployment(600, { signInClients: [DEFAULT_SIGN_IN_CLIENT] });
  secretService = await startSecretService();
  const home = deployment.environment.HOME as string;
  environment = {
    ...secretService.environment,
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_STATE_HOME: join(home, "state"),
    XDG_CONFIG_HOME: join(home, "config"),
    PROXY_AUTH_ISSUER: deployment.idp.issuer,
    PROXY_AUTH_LOGIN_CLIENT_ID: DEFAULT_SIGN_IN_CLIENT.clientId,
    PROXY_AUTH_SCOPE: "litellm_proxy_api",
    PROXY_AUTH_SIGN_IN_STORAGE: "keychain",
  };
});
afterAll(async () => {
  await secretService?.close();
  await deployment?.close();
});

const sub = (token: string) =>
  (
    JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      sub?: string;
    }
  ).sub;

describe("the sign-in in the OS keychain: a real Linux Secret Service (gnome-keyring on D-Bus)", () => {
  it("login keeps it in the keychain, not in a file; token, status and logout use it", async () => {
    const running = await startCli(
      ["login", "--no-browser"],
      environment,
      /To sign in, open:\n(\S+)/,
    );
    await actAsPerson(running.url, { login: "ada" });
    expect(await running.exited).toBe(0);
    expect(running.stderr()).toContain('the OS keychain (service "proxy-auth", account "default")');
    const stateDirectory = join(environment.XDG_STATE_HOME as string, "proxy-auth");
    const files = existsSync(stateDirectory) ? readdirSync(stateDirectory) : [];
    expect(files.filter((name) => name.endsWith(".sign-in"))).toEqual([]);

    const token = await runCli(["token"], environment);
    expect(token.code).toBe(0);
    expect(sub(token.stdout.trim())).toBe("ada");
    // gnome-keyring's own files hold it encrypted.
    for (const name of readdirSync(secretService.keyringDirectory)) {
      const bytes = readFileSync(join(secretService.keyringDirectory, name), "latin1");
      expect(bytes).not.toContain(token.stdout.trim().slice(0, 40));
      expect(bytes).not.toContain("refreshToken");
    }
    const status = await runCli(["status"], environment);
    expect(status.stdout).toContain("OS keychain");
    expect(status.stdout).not.toContain(token.stdout.trim());

    deployment.idp.setTokenLifetime(900);
    const before = deployment.idp.tokenRequests.length;
    const runs = await Promise.all(
      Array.from({ length: 20 }, () => runCli(["token", "--min-ttl", "700"], environment)),
    );
    expect(runs.filter((run) => run.code !== 0).map((run) => run.stderr)).toEqual([]);
    const refreshes = deployment.idp.tokenRequests
      .slice(before)
      .filter((request) => request.params.grant_type === "refresh_token");
    expect(refreshes.length).toBe(1);
    expect(deployment.idp.refreshTokenReuses).toBe(0);

    expect((await runCli(["logout"], environment)).code).toBe(0);
    expect((await runCli(["status"], environment)).code).toBe(1);
  }, 60_000);

  it("a run with no sign-in never opens the keychain: not one connection to the session bus", async () => {
    // A service credential's `token` is what a coding assistant runs before every request: no
    // D-Bus round trip (nor an unlock prompt) for a sign-in that is not there.
    const directory = mkdtempSync(join(tmpdir(), "proxy-auth-bus-"));
    const bus = join(directory, "bus");
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((listening) => server.listen(bus, listening));
    try {
      const token = await runCli(["token"], {
        ...deployment.environment,
        XDG_STATE_HOME: join(directory, "state"),
        DBUS_SESSION_BUS_ADDRESS: `unix:path=${bus}`,
      });
      expect(token.code).toBe(0);
      expect(connections).toBe(0);
    } finally {
      server.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("PROXY_AUTH_SIGN_IN_STORAGE=keychain without a Secret Service is a configuration error (exit 2)", async () => {
    const { DBUS_SESSION_BUS_ADDRESS: _bus, ...withoutBus } = environment;
    const status = await runCli(["status"], {
      ...withoutBus,
      DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus",
    });
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/no OS keychain is usable/);
  });
});
