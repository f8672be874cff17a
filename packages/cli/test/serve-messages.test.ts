import { createServer } from "node:net";
import { type MockProxy, startMockProxy } from "@proxy-auth/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Deployment, eventually, runCli, startCli, startDeployment } from "./cli.js";

let deployment: Deployment;
let otherAudience: MockProxy;
beforeAll(async () => {
  deployment = await startDeployment(3600);
  // A proxy that expects tokens for another audience: every fresh token is refused.
  otherAudience = await startMockProxy({
    jwksUrl: deployment.idp.jwksUrl,
    issuer: deployment.idp.issuer,
    audience: "https://another-proxy.test",
  });
});
afterAll(async () => {
  await otherAudience.close();
  await deployment.close();
});

const chat = (url: string) =>
  fetch(`${url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "hi" }] }),
  });

it("serve explains, once, that the target refuses freshly issued tokens, with their audience", async () => {
  const serve = await startCli(["serve", "--port", "0", "--target", otherAudience.url], {
    ...deployment.environment,
  });
  try {
    for (let request = 0; request < 3; request++) {
      expect((await chat(serve.url)).status).toBe(401);
    }
    await eventually(() => serve.stderr().includes("refuses freshly issued tokens"));
    const explanations = serve.stderr().match(/refuses freshly issued tokens/g) ?? [];
    expect(explanations).toHaveLength(1);
    expect(serve.stderr()).toContain(`The target ${otherAudience.url} refuses`);
    expect(serve.stderr()).toContain(`aud=${deployment.idp.audience}`);
    expect(serve.stderr()).toContain("scope=litellm_proxy_api");
  } finally {
    serve.child.kill("SIGKILL");
  }
});

it("serve --header cf-aig-authorization --pass-client-key: the gateway gets the token, the provider key passes", async () => {
  const gateway = await startMockProxy({
    jwksUrl: deployment.idp.jwksUrl,
    issuer: deployment.idp.issuer,
    audience: deployment.idp.audience,
    authHeader: { header: "cf-aig-authorization" },
  });
  const serve = await startCli(
    [
      "serve",
      "--port",
      "0",
      "--target",
      gateway.url,
      "--header",
      "cf-aig-authorization",
      "--pass-client-key",
    ],
    deployment.environment,
  );
  try {
    const response = await fetch(`${serve.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-provider-key" },
      body: JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    const [request] = gateway.requests;
    expect(request?.headers["cf-aig-authorization"]).toMatch(/^Bearer eyJ/);
    expect(request?.headers.authorization).toBe("Bearer sk-provider-key");
  } finally {
    serve.child.kill("SIGKILL");
    await gateway.close();
  }
});

it("serve's 502 names the target it could not reach", async () => {
  const closed = await freePort();
  const target = `http://127.0.0.1:${closed}/v1`;
  const serve = await startCli(
    ["serve", "--port", "0", "--target", target],
    deployment.environment,
  );
  try {
    const response = await chat(serve.url);
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toBe(`Could not reach the target ${target} (ECONNREFUSED).`);
  } finally {
    serve.child.kill("SIGKILL");
  }
});

it("a port in use: exit 3 with a message saying what to change", async () => {
  const port = new URL(deployment.proxy.url).port;
  const result = await runCli(["serve", "--port", port], deployment.environment);
  expect(result.code).toBe(3);
  expect(result.stderr).toBe(
    `proxy-auth serve: Port ${port} on 127.0.0.1 is already in use (another proxy-auth serve, or another program): choose another with --port, or --port 0 for a free one.\n`,
  );
});

/** A port nobody listens on (taken, then freed). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
