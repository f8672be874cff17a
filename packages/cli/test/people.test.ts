import { copyFileSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  actAsPerson,
  DEFAULT_SIGN_IN_CLIENT,
  startMockProxy,
  startProtectedResource,
} from "@proxy-auth/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Deployment, runCli, startCli, startDeployment } from "./cli.js";

let deployment: Deployment;
/** The provider's audiences: a gateway's address joins them once it listens. */
const audiences = ["https://litellm-proxy.test"];
let environment: Record<string, string>;
beforeAll(async () => {
  deployment = await startDeployment(600, { signInClients: [DEFAULT_SIGN_IN_CLIENT], audiences });
  const home = deployment.environment.HOME as string;
  // A person's machine: where to sign in, and no service credential.
  environment = {
    HOME: home,
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_STATE_HOME: join(home, "state"),
    XDG_CONFIG_HOME: join(home, "config"),
    PROXY_AUTH_ISSUER: deployment.idp.issuer,
    PROXY_AUTH_LOGIN_CLIENT_ID: DEFAULT_SIGN_IN_CLIENT.clientId,
    PROXY_AUTH_SCOPE: "litellm_proxy_api",
    PROXY_AUTH_TARGET: deployment.proxy.url,
    // The encrypted file (keychain.test.ts covers the OS keychain).
    PROXY_AUTH_SIGN_IN_STORAGE: "file",
  };
});
afterAll(() => deployment.close());

/** The claims of a JWT (the proxy verifies them; here only the `sub` is read). */
const decodeJwt = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
    sub?: string;
    aud?: unknown;
  };

const refreshGrants = () =>
  deployment.idp.tokenRequests.filter((request) => request.params.grant_type === "refresh_token")
    .length;

async function chat(token: string) {
  const response = await fetch(`${deployment.proxy.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
  });
  return response.status;
}

/** `proxy-auth login` (browser flow without a browser), the person acting on the printed URL. */
async function login(profileArgs: string[], person = "ada") {
  const running = await startCli(
    ["login", "--no-browser", ...profileArgs],
    environment,
    /To sign in, open:\n(\S+)/,
  );
  await actAsPerson(running.url, { login: person });
  return { code: await running.exited, stderr: running.stderr() };
}

describe("proxy-auth login, token, status, logout against the real OpenID provider", () => {
  it("browser login, then token acts as the person: the proxy sees their sub", async () => {
    const started = performance.now();
    const { code, stderr } = await login([]);
    expect(code).toBe(0);
    expect(stderr).toContain('Signed in as ada (profile "default")');
    const token = await runCli(["token"], environment);
    expect(token.code).toBe(0);
    expect(decodeJwt(token.stdout.trim()).sub).toBe("ada");
    expect(await chat(token.stdout.trim())).toBe(200);
    const elapsed = performance.now() - started;
    expect(deployment.proxy.requests.at(-1)?.claims?.sub).toBe("ada");
    console.info(`login → first completion: ${Math.round(elapsed)} ms (browser flow)`);
  });

  it("device login under a profile; status shows the person and never a token", async () => {
    const running = await startCli(
      ["login", "--device", "--profile", "work"],
      environment,
      /\(or open (\S+)\)/,
    );
    await actAsPerson(running.url, { login: "grace" });
    expect(await running.exited).toBe(0);
    const status = await runCli(["status", "--profile", "work"], environment);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("Signed in as grace");
    expect(status.stdout).not.toMatch(/eyJ/);
    const token = await runCli(["token", "--profile", "work"], environment);
    expect(decodeJwt(token.stdout.trim()).sub).toBe("grace");
    expect(status.stdout).not.toContain(token.stdout.trim());
    const other = await runCli(["token"], environment);
    expect(decodeJwt(other.stdout.trim()).sub).toBe("ada");
  }, 30_000);

  it("login with only the proxy's address finds the provider, scopes and resource (RFC 9728)", async () => {
    const gateway = await startProtectedResource({
      authorizationServers: [deployment.idp.issuer],
      scopes: ["litellm_proxy_api"],
    });
    audiences.push(gateway.url);
    const { PROXY_AUTH_ISSUER: _issuer, PROXY_AUTH_SCOPE: _scope, ...bare } = environment;
    const proxy = await startMockProxy({
      jwksUrl: deployment.idp.jwksUrl,
      issuer: deployment.idp.issuer,
      audience: gateway.url,
      requiredScope: "litellm_proxy_api",
    });
    try {
      const running = await startCli(
        ["login", gateway.url, "--no-browser", "--profile", "gateway"],
        bare,
        /To sign in, open:\n(\S+)/,
      );
      await actAsPerson(running.url, { login: "lin" });
      expect(await running.exited).toBe(0);
      expect(running.stderr()).toContain(`names ${deployment.idp.issuer}`);
      const token = (await runCli(["token", "--profile", "gateway"], bare)).stdout.trim();
      expect(decodeJwt(token)).toMatchObject({ sub: "lin", aud: gateway.url });
      const response = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(response.status).toBe(200);
    } finally {
      await proxy.close();
      await gateway.close();
    }
  });

  it("the stored sign-in is not readable in plain text and is private (0600 in a 0700 directory)", async () => {
    const directory = join(environment.XDG_STATE_HOME as string, "proxy-auth");
    const token = (await runCli(["token"], environment)).stdout.trim();
    for (const name of readdirSync(directory).filter((file) => file.endsWith(".sign-in"))) {
      const path = join(directory, name);
      const stored = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
      expect(Object.keys(stored).sort()).toEqual(["data", "format", "iv", "tag"]);
      // The sealed bytes, not their base64 (random base64 spells "ada" or "eyJ" now and then).
      const sealed = Buffer.from(stored.data as string, "base64").toString("latin1");
      expect(sealed).not.toContain(token);
      expect(sealed).not.toMatch(/eyJ|refresh|ada|grace/);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
    expect(statSync(directory).mode & 0o777).toBe(0o700);
  });

  it("20 concurrent token runs and a running forwarder make one refresh per rotation; reuse detection never fires", async () => {
    const forwarder = await startCli(["serve", "--port", "0"], environment);
    try {
      // Each round makes the stored token too short for --min-ttl, and the next one long enough.
      for (let round = 1; round <= 3; round++) {
        deployment.idp.setTokenLifetime(600 + 200 * round);
        const before = refreshGrants();
        const runs = await Promise.all(
          Array.from({ length: 20 }, () =>
            runCli(["token", "--min-ttl", String(500 + 200 * round)], environment),
          ),
        );
        expect(runs.map((run) => run.code)).toEqual(Array(20).fill(0));
        expect(new Set(runs.map((run) => run.stdout)).size).toBe(1);
        expect(refreshGrants() - before).toBe(1);
        const through = await fetch(`${forwarder.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
        });
        expect(through.status).toBe(200);
      }
      expect(deployment.idp.refreshTokenReuses).toBe(0);
    } finally {
      forwarder.child.kill("SIGTERM");
      await forwarder.exited;
    }
  }, 60_000);

  it("when every run must renew (tokens shorter than --min-ttl), 20 runs take turns: no refresh token is used twice", async () => {
    // The stored token has at most 1200 s left; new ones get 600 s.
    deployment.idp.setTokenLifetime(600);
    const before = refreshGrants();
    const runs = await Promise.all(
      Array.from({ length: 20 }, () => runCli(["token", "--min-ttl", "1300"], environment)),
    );
    expect(runs.filter((run) => run.code !== 0).map((run) => run.stderr)).toEqual([]);
    expect(refreshGrants() - before).toBe(20);
    expect(deployment.idp.refreshTokenReuses).toBe(0);
  }, 60_000);

  it("a revoked sign-in: exit 1, 'run proxy-auth login', nothing on stdout; logout revokes and forgets", async () => {
    const file = join(environment.XDG_STATE_HOME as string, "proxy-auth", "default.sign-in");
    copyFileSync(file, `${file}.copy`);
    const logout = await runCli(["logout"], environment);
    expect(logout.code).toBe(0);
    expect(logout.stderr).toContain("revoked at the identity provider");
    expect((await runCli(["status"], environment)).code).toBe(1);
    // The revoked sign-in comes back from a backup: the provider refuses it.
    copyFileSync(`${file}.copy`, file);
    const token = await runCli(["token", "--min-ttl", "86400"], environment);
    expect(token.code).toBe(1);
    expect(token.stdout).toBe("");
    expect(token.stderr).toMatch(/Run `proxy-auth login` again/);
    expect(deployment.idp.refreshTokenReuses).toBe(0);
  });
});
