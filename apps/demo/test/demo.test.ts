import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { countMarks, isSvgDocument, lifecycleColors } from "@proxy-auth/charts";
import { DEFAULT_CLIENT } from "@proxy-auth/testing";
import { expect, it } from "vitest";

const cwd = fileURLToPath(new URL("..", import.meta.url));
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  promisify(execFile)("pnpm", ["run", "--silent", "start", ...args], {
    cwd,
    encoding: "utf8",
    timeout: 90_000,
    env: { ...process.env, LITELLM_PROXY_API_BASE: "", PROXY_AUTH_SCOPE: "", ...env },
  });

it("the embedded walkthrough runs to the end, exits 0, its summary adds up, and its timeline draws every grant", async () => {
  const timeline = join(tmpdir(), `proxy-auth-demo-${process.pid}.svg`);
  const { stdout } = await run(["--timeline", timeline]);
  const summary =
    /Summary: (\d+) requests, (\d+) grants \((\d+) first tokens, (\d+) background refreshes\), (\d+) rejected by the proxy \(expected 1\), (\d+) warning\(s\)\./.exec(
      stdout,
    );
  expect(summary, stdout).not.toBeNull();
  const [, requests, grants, first, refreshes, rejected, warnings] = (
    summary as RegExpExecArray
  ).map(Number);
  expect(requests).toBeGreaterThanOrEqual(10);
  expect(refreshes).toBeGreaterThanOrEqual(1);
  expect(grants).toBe((first as number) + (refreshes as number));
  expect(rejected).toBe(1);
  expect(warnings).toBe(1);
  const metrics =
    /Metrics \(OpenTelemetry, in-memory reader\): (\d+) grants, (\d+) failures, (\d+) replays, p99 acquisition time (\d+) ms\./.exec(
      stdout,
    );
  expect(metrics, stdout).not.toBeNull();
  const [, metricGrants, failures, replays, p99] = (metrics as RegExpExecArray).map(Number);
  expect(metricGrants).toBe(grants); // every grant the identity provider made was counted
  expect(failures).toBe(1); // the outage step
  expect(replays).toBe(0);
  expect(p99).toBeGreaterThanOrEqual(150); // the embedded provider answers in 150 ms
  expect(stdout).toContain("Demo finished: everything behaved as expected.");
  const svg = readFileSync(timeline, "utf8");
  expect(isSvgDocument(svg)).toBe(true);
  // A tick per grant, and the legend's symbol.
  expect(countMarks(svg, lifecycleColors.grant)).toBe((grants as number) + 1);
  expect(stdout).toMatch(
    /private_key_jwt \(no client secret\) → litellm\.completion\(\)[\s\S]*?200/,
  );
  expect(stdout).toContain('200 from model "vertex_ai/gemini-2.0-flash-001"');
  expect(stdout).toMatch(/401, explained: .*no token could be obtained/);
  expect(stdout).not.toMatch(/eyJ[\w-]+\.eyJ/); // no token printed
  expect(stdout).not.toContain(DEFAULT_CLIENT.clientSecret);
});

it("--help explains both modes", async () => {
  const { stdout } = await run(["--help"]);
  expect(stdout).toContain("PROXY_AUTH_TOKEN_URL");
  expect(stdout).toContain("AZURE_TENANT_ID");
});

it("half a real configuration is refused with a message, exit code 1", async () => {
  const failure = await run([], { LITELLM_PROXY_API_BASE: "https://proxy.example.com" }).catch(
    (error: { code: number; stdout: string }) => error,
  );
  expect((failure as { code: number }).code).toBe(1);
  expect((failure as { stdout: string }).stdout).toContain(
    "Set both LITELLM_PROXY_API_BASE and PROXY_AUTH_SCOPE",
  );
});
