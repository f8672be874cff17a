import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startIdentityProvider } from "@proxy-auth/testing";
import { expect, it } from "vitest";

it("the CommonJS build works through require on this Node (oauth4webapi is ESM-only)", async () => {
  const idp = await startIdentityProvider();
  try {
    const script = `
      const { GenericOAuth2Credential } = require("@proxy-auth/oauth2");
      const { ProxyAuthHandler } = require("@proxy-auth/core");
      const handler = new ProxyAuthHandler({
        credential: new GenericOAuth2Credential({ clientId: process.env.ID, clientSecret: process.env.SECRET, tokenUrl: process.env.URL }),
        scope: "litellm_proxy_api",
      });
      handler.getAuthHeaders().then((headers) => console.log(headers.Authorization.startsWith("Bearer eyJ") ? "ok" : "no"));
    `;
    const { DEFAULT_CLIENT } = await import("@proxy-auth/testing");
    // Asynchronously: the identity provider runs in this process and must keep answering.
    const result = await promisify(execFile)(
      process.execPath,
      ["--input-type=commonjs", "-e", script],
      {
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        encoding: "utf8",
        timeout: 30_000,
        env: {
          ...process.env,
          ID: DEFAULT_CLIENT.clientId,
          SECRET: DEFAULT_CLIENT.clientSecret,
          URL: idp.tokenUrl,
        },
      },
    );
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("ok");
  } finally {
    await idp.close();
  }
});

it("the CommonJS build reads assertion files and signs assertions through require", async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const {
    alg: _alg,
    key_ops: _ops,
    ext: _ext,
    ...publicJwk
  } = await crypto.subtle.exportKey("jwk", keys.publicKey);
  const privateJwk = await crypto.subtle.exportKey("jwk", keys.privateKey);
  const idp = await startIdentityProvider({
    keyClients: [{ clientId: "key-client", jwks: { keys: [{ ...publicJwk, kid: "k1" }] } }],
    federatedClients: [{ clientId: "workload", subject: "sa" }],
  });
  const directory = mkdtempSync(join(tmpdir(), "proxy-auth-cjs-"));
  try {
    const file = join(directory, "token");
    writeFileSync(file, await idp.cluster.sign({ sub: "sa", aud: idp.issuer }));
    const script = `
      const { GenericOAuth2Credential, clientAssertionFromFile } = require("@proxy-auth/oauth2");
      const url = process.env.URL;
      Promise.all([
        new GenericOAuth2Credential({ clientId: "key-client", privateKey: JSON.parse(process.env.KEY), keyId: "k1", tokenUrl: url }).getToken("litellm_proxy_api"),
        new GenericOAuth2Credential({ clientId: "workload", clientAssertion: clientAssertionFromFile(process.env.FILE), tokenUrl: url }).getToken("litellm_proxy_api"),
      ]).then((tokens) => console.log(tokens.every((token) => token.token.startsWith("eyJ")) ? "ok" : "no"));
    `;
    const result = await promisify(execFile)(
      process.execPath,
      ["--input-type=commonjs", "-e", script],
      {
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        encoding: "utf8",
        timeout: 30_000,
        env: { ...process.env, URL: idp.tokenUrl, KEY: JSON.stringify(privateJwk), FILE: file },
      },
    );
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("ok");
    expect(idp.tokenRequests.map((request) => request.authMethod).sort()).toEqual([
      "federated",
      "private_key_jwt",
    ]);
  } finally {
    rmSync(directory, { recursive: true, force: true });
    await idp.close();
  }
});
