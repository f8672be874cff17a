import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Deployment, runCli, startDeployment } from "./cli.js";

const SUBJECT = "system:serviceaccount:default:cli";
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
let deployment: Deployment;
let base: Record<string, string>;
beforeAll(async () => {
  deployment = await startDeployment(3600, {
    keyClients: [
      {
        clientId: "key-client",
        jwks: {
          keys: [
            { ...publicKey.export({ format: "jwk" }), kid: "cli-key", alg: "RS256", use: "sig" },
          ],
        },
      },
    ],
    federatedClients: [{ clientId: "workload-client", subject: SUBJECT }],
  });
  const { PROXY_AUTH_CLIENT_SECRET: _secret, ...rest } = deployment.environment;
  base = rest;
});
afterAll(() => deployment.close());

async function accepted(jwt: string): Promise<number> {
  const response = await fetch(`${deployment.proxy.url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "hi" }] }),
  });
  return response.status;
}

it("PROXY_AUTH_PRIVATE_KEY_FILE (+ KEY_ID): private_key_jwt", async () => {
  const file = join(deployment.environment.HOME as string, "key.pem");
  writeFileSync(file, privateKey.export({ format: "pem", type: "pkcs8" }));
  const result = await runCli(["token", "--no-cache"], {
    ...base,
    PROXY_AUTH_CLIENT_ID: "key-client",
    PROXY_AUTH_PRIVATE_KEY_FILE: file,
    PROXY_AUTH_KEY_ID: "cli-key",
  });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  expect(await accepted(result.stdout.trim())).toBe(200);
  expect(deployment.idp.tokenRequests.at(-1)?.authMethod).toBe("private_key_jwt");
});

it("PROXY_AUTH_CLIENT_ASSERTION_FILE: the file's current JWT; an expired one is refused (exit 1)", async () => {
  const file = join(deployment.environment.HOME as string, "assertion.jwt");
  const environment = {
    ...base,
    PROXY_AUTH_CLIENT_ID: "workload-client",
    PROXY_AUTH_CLIENT_ASSERTION_FILE: file,
  };
  writeFileSync(
    file,
    await deployment.idp.cluster.sign({ sub: SUBJECT, aud: deployment.idp.issuer }),
  );
  const result = await runCli(["token", "--no-cache"], environment);
  expect(result.stderr).toBe("");
  expect(await accepted(result.stdout.trim())).toBe(200);
  writeFileSync(
    file,
    await deployment.idp.cluster.sign({
      sub: SUBJECT,
      aud: deployment.idp.issuer,
      expiresInSeconds: -60,
    }),
  );
  const expired = await runCli(["token", "--no-cache"], environment);
  expect(expired.code).toBe(1);
  expect(expired.stderr).toContain("no token could be obtained");
});

it("a named pipe as PROXY_AUTH_PRIVATE_KEY_FILE or PROXY_AUTH_CLIENT_ASSERTION_FILE: refused at once (exit 2), never waited on", async () => {
  const fifo = join(deployment.environment.HOME as string, "key-pipe");
  execFileSync("mkfifo", [fifo]);
  const [key, assertion] = await Promise.all([
    runCli(["token", "--no-cache"], {
      ...base,
      PROXY_AUTH_CLIENT_ID: "key-client",
      PROXY_AUTH_PRIVATE_KEY_FILE: fifo,
    }),
    runCli(["token", "--no-cache"], {
      ...base,
      PROXY_AUTH_CLIENT_ID: "workload-client",
      PROXY_AUTH_CLIENT_ASSERTION_FILE: fifo,
    }),
  ]);
  expect(key.code).toBe(2);
  expect(key.stderr).toContain(`PROXY_AUTH_PRIVATE_KEY_FILE: ${fifo} is not a regular file`);
  expect(assertion.code).toBe(2);
  expect(assertion.stderr).toContain("PROXY_AUTH_CLIENT_ASSERTION_FILE");
});

it("PROXY_AUTH_CLIENT_ASSERTION_FILE: runs share one cached token; expired cache files are swept (defect 5)", async () => {
  const file = join(deployment.environment.HOME as string, "shared-assertion.jwt");
  writeFileSync(
    file,
    await deployment.idp.cluster.sign({ sub: SUBJECT, aud: deployment.idp.issuer }),
  );
  const environment = {
    ...base,
    PROXY_AUTH_CLIENT_ID: "workload-client",
    PROXY_AUTH_CLIENT_ASSERTION_FILE: file,
  };
  const directory = deployment.cacheDirectory;
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  // Left by earlier runs: one expired token, one still valid (of another identity).
  const nowSeconds = Math.floor(Date.now() / 1000);
  const planted = (name: string, expiresOn: number) =>
    writeFileSync(
      join(directory, `${name.repeat(64)}.json`),
      JSON.stringify({ format: "proxy-auth-token-cache/1", token: "x", expiresOn }),
      { mode: 0o600 },
    );
  planted("a", nowSeconds - 60);
  planted("b", nowSeconds + 3600);
  const grants = deployment.idp.tokensIssued;
  const tokens: string[] = [];
  for (let run = 0; run < 3; run++) {
    const result = await runCli(["token"], environment);
    expect(result.code).toBe(0);
    tokens.push(result.stdout.trim());
  }
  expect(deployment.idp.tokensIssued - grants).toBe(1);
  expect(new Set(tokens).size).toBe(1);
  const files = readdirSync(directory).filter((name) => name.endsWith(".json"));
  expect(files).toContain(`${"b".repeat(64)}.json`);
  expect(files).not.toContain(`${"a".repeat(64)}.json`);
  expect(files).toHaveLength(2);
});
