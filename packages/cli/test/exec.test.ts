import { afterAll, beforeAll, expect, it } from "vitest";
import { type Deployment, runCli, startCli, startDeployment } from "./cli.js";

let deployment: Deployment;
beforeAll(async () => {
  deployment = await startDeployment(3600);
});
afterAll(() => deployment.close());

/** A Node script calling the forwarder the way an OpenAI client configured by environment does. */
const SCRIPT = `
const { OPENAI_BASE_URL, OPENAI_API_BASE, LITELLM_PROXY_API_BASE, OPENAI_API_KEY } = process.env;
const response = await fetch(OPENAI_BASE_URL + "/chat/completions", {
  method: "POST",
  headers: { "content-type": "application/json", authorization: "Bearer " + OPENAI_API_KEY },
  body: JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "from exec" }] }),
});
const body = await response.json();
const keyless = await fetch(OPENAI_BASE_URL + "/chat/completions", { method: "POST", body: "{}" });
console.log(JSON.stringify({
  status: response.status,
  content: body.choices?.[0]?.message?.content,
  keylessStatus: keyless.status,
  sameBase: OPENAI_API_BASE === OPENAI_BASE_URL && LITELLM_PROXY_API_BASE === OPENAI_BASE_URL,
  secretVisible: ["PROXY_AUTH_CLIENT_SECRET", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "PROXY_AUTH_SIGN_IN_KEY"]
    .some((name) => process.env[name] !== undefined),
  otherVisible: process.env.UNRELATED_SETTING === "kept",
}));
process.exit(3);
`;

it("runs a Node script against the forwarder and exits with the script's status", async () => {
  const result = await runCli(
    ["exec", "--", process.execPath, "--input-type=module", "-e", SCRIPT],
    {
      ...deployment.environment,
      // Not used by this configuration, but secrets all the same: withheld from the command.
      AZURE_CLIENT_SECRET: "azure-secret-for-the-command-9f1",
      AZURE_CLIENT_CERTIFICATE_PASSWORD: "certificate-password-2c7",
      PROXY_AUTH_SIGN_IN_KEY: "ab".repeat(32),
      UNRELATED_SETTING: "kept",
    },
  );
  expect(result.code).toBe(3);
  expect(JSON.parse(result.stdout)).toEqual({
    status: 200,
    content: "Echo: from exec",
    keylessStatus: 401, // the forwarder answers only the key made for this run
    sameBase: true,
    secretVisible: false,
    otherVisible: true,
  });
  expect(deployment.proxy.requests.at(-1)?.token).toMatch(/^eyJ/);
});

it("passes SIGTERM on to the command and exits with its status", async () => {
  const script = `
    process.on("SIGTERM", () => { console.error("command got SIGTERM"); process.exit(7); });
    console.error("command ready " + process.pid);
    setInterval(() => {}, 1000);`;
  const running = await startCli(
    ["exec", "--", process.execPath, "-e", script],
    deployment.environment,
    /command ready (\d+)/,
  );
  try {
    running.child.kill("SIGTERM");
    expect(await running.exited).toBe(7);
    expect(running.stderr()).toContain("command got SIGTERM");
  } finally {
    // Should the signal not reach it, the command must not outlive the test.
    try {
      process.kill(Number(running.url), "SIGKILL");
    } catch {}
  }
});

it("a command that ends by a signal: 128 + its number; one that cannot start: 127", async () => {
  const killed = await runCli(
    ["exec", "--", process.execPath, "-e", "process.kill(process.pid, 'SIGKILL')"],
    deployment.environment,
  );
  expect(killed.code).toBe(128 + 9);
  const missing = await runCli(["exec", "--", "no-such-command-8d1f"], deployment.environment);
  expect(missing.code).toBe(127);
  expect(missing.stderr).toContain("cannot run no-such-command-8d1f: ENOENT");
});

it("no command, or no token: exit 2 and 1, with the reason", async () => {
  const noCommand = await runCli(["exec", "node"], deployment.environment);
  expect(noCommand.code).toBe(2);
  expect(noCommand.stderr).toContain("Name the command after --");
  const noToken = await runCli(["exec", "--", process.execPath, "-e", "0"], {
    ...deployment.environment,
    PROXY_AUTH_CLIENT_SECRET: "wrong-secret-e3c0",
  });
  expect(noToken.code).toBe(1);
  expect(noToken.stderr).toContain("invalid_client");
});
