import { afterAll, beforeAll, expect, it } from "vitest";
import { type Deployment, runCli, startDeployment } from "./cli.js";

let deployment: Deployment;
beforeAll(async () => {
  deployment = await startDeployment(3600);
});
afterAll(() => deployment.close());

const run = (args: string[], environment: Record<string, string> = {}) =>
  runCli(args, { ...deployment.environment, ...environment });

it("a wrong secret: one line, naming PROXY_AUTH_CLIENT_SECRET and the attempt made", async () => {
  const result = await run(["token", "--no-cache"], { PROXY_AUTH_CLIENT_SECRET: "wrong-9d1c" });
  expect(result.code).toBe(1);
  expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(result.stderr).toMatch(/HTTP 401 invalid_client.* \(1 attempt\)\./);
  expect(result.stderr).toContain("Check PROXY_AUTH_CLIENT_ID and PROXY_AUTH_CLIENT_SECRET.");
  expect(result.stderr).not.toContain("wrong-9d1c");
});

it("an unregistered scope names the flag the user set", async () => {
  const result = await run(["token", "--no-cache", "--scope", "not-registered"]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("Check the scope (--scope)");
});

it("a provider answering 503: one line for token and serve, stating the attempts made", async () => {
  deployment.idp.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY);
  try {
    for (const args of [
      ["token", "--no-cache"],
      ["serve", "--port", "0"],
    ]) {
      const result = await run(args);
      expect(result.code).toBe(1);
      const lines = result.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/HTTP 503.* \([2-9] attempts\)\.$/);
      expect(lines[0]).not.toContain("next attempt");
    }
  } finally {
    deployment.idp.clearFaults();
  }
});

it("configuration errors name the variables the user set, never the library's option names", async () => {
  const tokenUrl = await run(["token"], { PROXY_AUTH_TOKEN_URL: "http://idp.example/token" });
  expect(tokenUrl.code).toBe(2);
  expect(tokenUrl.stderr).toMatch(/^proxy-auth token: PROXY_AUTH_TOKEN_URL must use https/);
  expect(tokenUrl.stderr).not.toMatch(/tokenUrl|GenericOAuth2Credential/);
  const issuer = await run(["token"], {
    PROXY_AUTH_TOKEN_URL: "",
    PROXY_AUTH_ISSUER: "http://idp.example",
  });
  expect(issuer.code).toBe(2);
  expect(issuer.stderr).toMatch(/^proxy-auth token: PROXY_AUTH_ISSUER must use https/);
  const method = await run(["token"], { PROXY_AUTH_AUTH_METHOD: "private_key_jwt" });
  expect(method.code).toBe(2);
  expect(method.stderr).toContain("PROXY_AUTH_AUTH_METHOD must be");
  expect(method.stderr).not.toMatch(/"authMethod"|"clientSecret"|"privateKey"/);
});

it("an unreachable token endpoint points at PROXY_AUTH_TOKEN_URL", async () => {
  const result = await run(["token", "--no-cache"], {
    PROXY_AUTH_TOKEN_URL: "http://127.0.0.1:9/token",
  });
  expect(result.code).toBe(1);
  expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(result.stderr).toContain("Check PROXY_AUTH_TOKEN_URL.");
});
