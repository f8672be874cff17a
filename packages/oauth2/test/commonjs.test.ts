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
