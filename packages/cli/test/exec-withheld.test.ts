import { afterAll, beforeAll, expect, it } from "vitest";
import { type Deployment, runCli, startDeployment } from "./cli.js";

let deployment: Deployment;
beforeAll(async () => {
  deployment = await startDeployment(3600);
});
afterAll(() => deployment.close());

/** Every variable that holds a credential's secret or lets its holder mint a token. */
const CREDENTIAL_BEARING = {
  AZURE_CLIENT_SECRET: "azure-secret-9f1",
  AZURE_CLIENT_CERTIFICATE_PASSWORD: "certificate-password-2c7",
  AZURE_PASSWORD: "azure-password-41d",
  IDENTITY_HEADER: "managed-identity-header-secret-77b",
  MSI_SECRET: "msi-secret-0e3",
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: "actions-request-token-5a8",
  ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:1/_apis/token",
};

it("exec withholds every credential-bearing variable from the command (defect 4)", async () => {
  const names = [
    "PROXY_AUTH_CLIENT_SECRET",
    "PROXY_AUTH_LOCAL_KEY",
    ...Object.keys(CREDENTIAL_BEARING),
  ];
  const script = `console.log(JSON.stringify(${JSON.stringify(names)}.filter((name) => process.env[name] !== undefined)))`;
  const result = await runCli(["exec", "--", process.execPath, "-e", script], {
    ...deployment.environment,
    ...CREDENTIAL_BEARING,
    PROXY_AUTH_LOCAL_KEY: "a-local-key-the-command-must-not-see",
  });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual([]);
});

it.runIf(process.platform === "linux")(
  "exec's command cannot read the client secret or the local key in /proc/PPID/environ either",
  async () => {
    // /proc/PID/environ shows the environment a process was started with, whatever it deletes
    // from process.env later: proxy-auth overwrites the values it has read.
    const secret = deployment.environment.PROXY_AUTH_CLIENT_SECRET as string;
    const localKey = "a-local-key-the-command-must-not-see";
    const script = `const environ = require("node:fs").readFileSync("/proc/" + process.ppid + "/environ", "latin1");
console.log(JSON.stringify({ secret: environ.includes(${JSON.stringify(secret)}), localKey: environ.includes(${JSON.stringify(localKey)}), other: environ.includes("PROXY_AUTH_SCOPE=litellm_proxy_api") }))`;
    const result = await runCli(["exec", "--", process.execPath, "-e", script], {
      ...deployment.environment,
      PROXY_AUTH_LOCAL_KEY: localKey,
    });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ secret: false, localKey: false, other: true });
  },
);
