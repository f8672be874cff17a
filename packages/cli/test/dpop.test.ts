import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Deployment, type RunningCli, runCli, startCli, startDeployment } from "./cli.js";

let deployment: Deployment;
let serve: RunningCli & { url: string };
const dpopEnvironment = () => ({ ...deployment.environment, PROXY_AUTH_DPOP: "true" });

beforeAll(async () => {
  deployment = await startDeployment(3600, { dpop: { requireNonce: true } });
  serve = await startCli(["serve", "--port", "0"], dpopEnvironment());
});
afterAll(async () => {
  serve.child.kill("SIGKILL");
  await serve.exited;
  await deployment.close();
});

describe("PROXY_AUTH_DPOP=true", () => {
  it("proxy-auth serve gets a DPoP-bound token and proves it on every request", async () => {
    const openai = new OpenAI({ baseURL: serve.url, apiKey: "unused" });
    const chat = await openai.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "Hello!" }],
    });
    expect(chat.choices[0]?.message.content).toBe("Echo: Hello!");
    const request = deployment.proxy.requests.at(-1);
    expect(request?.status).toBe(200);
    expect(request?.headers.authorization).toMatch(/^DPoP /);
    expect(request?.claims?.cnf).toBeDefined();
  });

  it("proxy-auth exec: the command's calls carry DPoP proofs it never sees the key of", async () => {
    const script = `
      const response = await fetch(process.env.OPENAI_BASE_URL + "/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer " + process.env.OPENAI_API_KEY },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "from exec" }] }),
      });
      console.log(JSON.stringify({ status: response.status, content: (await response.json()).choices?.[0]?.message?.content }));`;
    const result = await runCli(
      ["exec", "--", process.execPath, "--input-type=module", "-e", script],
      dpopEnvironment(),
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ status: 200, content: "Echo: from exec" });
    const request = deployment.proxy.requests.at(-1);
    expect(request?.headers.authorization).toMatch(/^DPoP /);
    expect(request?.claims?.cnf).toBeDefined();
  });

  it("proxy-auth token refuses to print a DPoP-bound token and points to serve and exec", async () => {
    const issued = deployment.idp.tokensIssued;
    const { code, stdout, stderr } = await runCli(["token"], dpopEnvironment());
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/cannot print a DPoP-bound token.*proxy-auth serve.*proxy-auth exec/);
    expect(deployment.idp.tokensIssued).toBe(issued);
  });

  it("with the Azure credential it is refused: Entra ID issues no DPoP-bound tokens", async () => {
    const { code, stderr } = await runCli(["serve", "--port", "0"], {
      PATH: process.env.PATH ?? "",
      PROXY_AUTH_SCOPE: "api://proxy/.default",
      PROXY_AUTH_TARGET: deployment.proxy.url,
      AZURE_TENANT_ID: "adfs",
      AZURE_CLIENT_ID: "client",
      AZURE_CLIENT_SECRET: "secret",
      PROXY_AUTH_DPOP: "true",
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/Entra ID .* issues no DPoP-bound tokens/);
  });

  it("a value other than true or false is a configuration error", async () => {
    const { code, stderr } = await runCli(["token"], {
      ...deployment.environment,
      PROXY_AUTH_DPOP: "yes",
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/PROXY_AUTH_DPOP must be "true" or "false"/);
  });
});
