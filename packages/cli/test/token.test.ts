import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_CLIENT } from "@proxy-auth/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Deployment, runCli, startDeployment } from "./cli.js";

let deployment: Deployment;
beforeAll(async () => {
  deployment = await startDeployment(3600);
});
afterAll(() => deployment.close());

const token = (args: string[] = [], environment: Record<string, string> = {}) =>
  runCli(["token", ...args], { ...deployment.environment, ...environment });

/** The proxy's verdict on a token: 200 when it accepts it. */
async function proxyAccepts(jwt: string): Promise<number> {
  const response = await fetch(`${deployment.proxy.url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "hi" }] }),
  });
  return response.status;
}

const cacheFiles = () => {
  try {
    return readdirSync(deployment.cacheDirectory);
  } catch {
    return [];
  }
};

describe("proxy-auth token", () => {
  beforeEach(() => {
    for (const file of cacheFiles()) writeFileSync(join(deployment.cacheDirectory, file), "");
  });

  it("prints a bare token the proxy accepts, and nothing else on stdout", async () => {
    const result = await token(["--no-cache"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(result.stderr).toBe("");
    expect(await proxyAccepts(result.stdout.trim())).toBe(200);
  });

  it("--json prints token, expiresOn (Unix seconds) and tokenType; --header a header line", async () => {
    const json = await token(["--json"]);
    expect(json.code).toBe(0);
    const printed = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(printed)).toEqual(["token", "expiresOn", "tokenType"]);
    expect(printed.tokenType).toBe("Bearer");
    expect(printed.expiresOn).toBeGreaterThan(Date.now() / 1000 + 3500);
    expect(printed.expiresOn).toBeLessThanOrEqual(Date.now() / 1000 + 3600);
    const header = await token(["--header"]);
    expect(header.stdout).toBe(`Authorization: Bearer ${printed.token}\n`);
  });

  it("reuses one token across processes from a private cache file that holds no secret", async () => {
    const grants = deployment.idp.tokensIssued;
    const runs = [await token(), await token(), await token(["--json"])];
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0]);
    expect(deployment.idp.tokensIssued - grants).toBe(1);
    expect(runs[1]?.stdout).toBe(runs[0]?.stdout);
    const [file, ...others] = cacheFiles();
    expect(others).toEqual([]); // written atomically: no temporary file left behind
    expect(file).toMatch(/^[0-9a-f]{64}\.json$/); // names neither the client nor the scope
    const path = join(deployment.cacheDirectory, file as string);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(deployment.cacheDirectory).mode & 0o777).toBe(0o700);
    const content = readFileSync(path, "utf8");
    expect(content).toContain(runs[0]?.stdout.trim());
    expect(content).not.toContain(DEFAULT_CLIENT.clientSecret);
  });

  it("gets a new token when the cached one would not outlive --min-ttl, or has expired", async () => {
    const first = await token();
    const grants = deployment.idp.tokensIssued;
    // A one-hour token with 1000 s left: reused for --min-ttl 900, replaced for --min-ttl 1200.
    const [cached] = cacheFiles();
    const cachedPath = join(deployment.cacheDirectory, cached as string);
    const now = Date.now() / 1000;
    const aged = { expiresOn: now + 1000, refreshAt: now + 940, obtainedAt: now - 2600 };
    writeFileSync(
      cachedPath,
      JSON.stringify({ ...JSON.parse(readFileSync(cachedPath, "utf8")), ...aged }),
    );
    expect((await token(["--min-ttl", "900"])).stdout).toBe(first.stdout);
    expect(deployment.idp.tokensIssued - grants).toBe(0);
    const longer = await token(["--min-ttl", "1200"]);
    expect(longer.code).toBe(0);
    expect(deployment.idp.tokensIssued - grants).toBe(1);
    expect(longer.stdout).not.toBe(first.stdout);
    expect(longer.stderr).toBe("");
    // Asking for more than half a token's lifetime never defeats the cache: half it is.
    const reused = await token(["--min-ttl", "3700"]);
    expect(deployment.idp.tokensIssued - grants).toBe(1);
    expect(reused.stdout).toBe(longer.stdout);

    const [file] = cacheFiles();
    const path = join(deployment.cacheDirectory, file as string);
    const entry = JSON.parse(readFileSync(path, "utf8")) as Record<string, number>;
    writeFileSync(path, JSON.stringify({ ...entry, expiresOn: Date.now() / 1000 - 10 }));
    const afterExpiry = await token();
    expect(afterExpiry.code).toBe(0);
    expect(deployment.idp.tokensIssued - grants).toBe(2);
    expect(await proxyAccepts(afterExpiry.stdout.trim())).toBe(200);
    // The cached entry is past its refresh time (though valid): replaced too.
    const fresh = JSON.parse(readFileSync(path, "utf8")) as Record<string, number>;
    writeFileSync(path, JSON.stringify({ ...fresh, refreshAt: Date.now() / 1000 - 1 }));
    await token();
    expect(deployment.idp.tokensIssued - grants).toBe(3);
  });

  it("short-lived tokens (5 minutes, 60 s): repeated runs make one grant, and say what to set", async () => {
    try {
      for (const [lifetime, minTtl, half] of [
        [300, "300", 150],
        [300, "600", 150],
        [60, "300", 30],
      ] as const) {
        for (const file of cacheFiles()) writeFileSync(join(deployment.cacheDirectory, file), "");
        deployment.idp.setTokenLifetime(lifetime);
        const grants = deployment.idp.tokensIssued;
        const runs = [];
        for (let run = 0; run < 5; run++) runs.push(await token(["--min-ttl", minTtl]));
        expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 0, 0]);
        expect(deployment.idp.tokensIssued - grants).toBe(1);
        expect(new Set(runs.map((run) => run.stdout)).size).toBe(1);
        // The run that made the grant says what happens and what to set; the others are silent.
        expect(runs[0]?.stderr).toMatch(
          new RegExp(
            `valid for (${lifetime - 1}|${lifetime}) s, not more than --min-ttl ${minTtl} s`,
          ),
        );
        expect(runs[0]?.stderr).toMatch(new RegExp(`Set --min-ttl (${half}|${half - 1}) or less`));
        expect(runs.slice(1).map((run) => run.stderr)).toEqual(["", "", "", ""]);
      }
    } finally {
      deployment.idp.setTokenLifetime(3600);
    }
  });

  it("--decode prints the token's claims and how long it has left, never the token", async () => {
    const printed = await token(["--json"]);
    const { token: jwt } = JSON.parse(printed.stdout) as { token: string };
    const decoded = await token(["--decode"]);
    expect(decoded.code).toBe(0);
    expect(decoded.stderr).toBe("");
    expect(decoded.stdout).not.toContain(jwt);
    expect(decoded.stdout).not.toContain(jwt.split(".")[2]);
    const view = JSON.parse(decoded.stdout) as {
      claims: Record<string, unknown>;
      expiresOn: number;
      expiresInSeconds: number;
    };
    expect(view.claims.aud).toBe(deployment.idp.audience);
    expect(view.claims.scope).toBe("litellm_proxy_api");
    expect(view.claims.sub).toBe(DEFAULT_CLIENT.clientId);
    // expiresOn counts from when the request was sent: at most a second or two before exp.
    expect(Math.abs((view.claims.exp as number) - view.expiresOn)).toBeLessThanOrEqual(2);
    expect(view.expiresInSeconds).toBeGreaterThan(3500);
    expect(view.expiresInSeconds).toBeLessThanOrEqual(3600);
    const both = await token(["--decode", "--json"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("Give one of --json, --header or --decode.");
  });

  it("ignores and replaces a corrupt or foreign cache file", async () => {
    await token();
    const [file] = cacheFiles();
    const path = join(deployment.cacheDirectory, file as string);
    const entry = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    for (const replacement of [
      "{ not json",
      JSON.stringify({ ...entry, key: "0".repeat(64) }), // another identity's entry
      JSON.stringify({ ...entry, format: "something-else/9" }),
      JSON.stringify({ ...entry, token: "has spaces in it" }),
    ]) {
      writeFileSync(path, replacement);
      const grants = deployment.idp.tokensIssued;
      const run = await token();
      expect(run.code).toBe(0);
      expect(deployment.idp.tokensIssued - grants).toBe(1);
      expect(await proxyAccepts(run.stdout.trim())).toBe(200);
      expect(JSON.parse(readFileSync(path, "utf8")).token).toBe(run.stdout.trim());
    }
  });

  it("runs started together make one grant; a lock left by a dead process is taken over", async () => {
    deployment.idp.latencyMs = 1000; // the first run's grant is still in flight when the others look
    const grants = deployment.idp.tokensIssued;
    try {
      const runs = await Promise.all([token(), token(), token(), token()]);
      expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 0]);
      expect(new Set(runs.map((run) => run.stdout)).size).toBe(1);
      expect(deployment.idp.tokensIssued - grants).toBe(1);
    } finally {
      deployment.idp.latencyMs = 0;
    }
    const [file] = cacheFiles();
    const lock = join(deployment.cacheDirectory, (file as string).replace(".json", ".lock"));
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid;
    writeFileSync(lock, String(gone));
    writeFileSync(join(deployment.cacheDirectory, file as string), "");
    const afterCrash = await token();
    expect(afterCrash.code).toBe(0);
    expect(deployment.idp.tokensIssued - grants).toBe(2);
    expect(cacheFiles()).toEqual([file]); // the dead process's lock was taken over and released
  });

  it("a wrong secret: exit 1 with the provider's error, no secret, nothing on stdout", async () => {
    const wrong = "wrong-secret-5f1d8a";
    const result = await token([], { PROXY_AUTH_CLIENT_SECRET: wrong });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/no token could be obtained: .*HTTP 401 invalid_client/);
    expect(result.stderr).not.toContain(wrong);
  });

  it("usage and configuration errors: exit 2 naming the flag or variable", async () => {
    const noScope = await token([], { PROXY_AUTH_SCOPE: "" });
    expect(noScope.code).toBe(2);
    expect(noScope.stderr).toContain("PROXY_AUTH_SCOPE is not set");
    const noClient = await token([], { PROXY_AUTH_CLIENT_ID: "" });
    expect(noClient.code).toBe(2);
    expect(noClient.stderr).toContain("PROXY_AUTH_CLIENT_ID is not set");
    const both = await token(["--json", "--header"]);
    expect(both.code).toBe(2);
    const ttl = await token(["--min-ttl", "soon"]);
    expect(ttl.code).toBe(2);
    expect(ttl.stderr).toContain("--min-ttl must be a whole number");
  });

  it("--help on every command has examples; --version prints the version", async () => {
    const help = await token(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Examples:");
    expect(help.stdout).toContain("--min-ttl");
    for (const command of ["serve", "exec"]) {
      const commandHelp = await runCli([command, "--help"], {});
      expect(commandHelp.code).toBe(0);
      expect(commandHelp.stdout).toContain("Examples:");
    }
    const version = await runCli(["--version"], {});
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
