import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("the demo runs to the end, exits 0 and reports every request authorised", () => {
  const cwd = fileURLToPath(new URL("..", import.meta.url));
  const result = spawnSync("pnpm", ["run", "--silent", "start"], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout).toMatch(
    /Summary: 20 requests, \d+ grants, \d+ distinct tokens, 0 without a header, 0 warm requests blocked/,
  );
  expect(result.stdout).not.toMatch(/demo-token-/);
});
