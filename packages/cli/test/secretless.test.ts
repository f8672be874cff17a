import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
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
