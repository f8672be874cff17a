import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageRoot = fileURLToPath(new URL("..", import.meta.url));

/** Runs a script in a fresh Node process against the built package, as a user's program would. */
function run(args: string[]) {
  return spawnSync(process.execPath, args, { cwd: packageRoot, encoding: "utf8", timeout: 60_000 });
}

// A background refresh that never answers and one that fails: neither may keep the process
// alive (the credential timeout is an hour) nor crash it with an unhandled rejection.
const scenario = (load: string) => `
${load}
const now = () => Math.floor(Date.now() / 1000);
let offset = 0; // moved past the refresh floor (30 s after a token is obtained)
let calls = 0;
const credential = {
  getToken() {
    calls++;
    if (calls === 1) return { token: "first", expiresOn: now() + 3600, refreshAfter: now() - 1 };
    if (calls === 2) return Promise.reject(new TokenAcquisitionError("down", { retryable: true }));
    return new Promise(() => {});
  },
};
const handler = new ProxyAuthHandler({ credential, scope: "s", now: () => Date.now() + offset, credentialTimeoutMs: 3_600_000, maxTokenWaitMs: 3_600_000, logger: { warn() {} }, _internal: { random: () => 0 } });
await handler.getAuthHeaders();
offset = 31_000;
await handler.getAuthHeaders(); // background refresh 2 fails
// Real time: this runs in a child process (exit behaviour is the subject), outside any fake clock.
await new Promise((resolve) => setTimeout(resolve, 10));
const headers = await handler.getAuthHeaders(); // background refresh 3 hangs forever
console.log(JSON.stringify({ calls, header: headers.Authorization === "Bearer first" }));
`;

describe("in a real Node process", () => {
  it("the ESM build exits as soon as the script's own work ends, with no unhandled rejection", () => {
    const result = run([
      "--input-type=module",
      "-e",
      scenario('import { ProxyAuthHandler, TokenAcquisitionError } from "@proxy-auth/core";'),
    ]);
    expect(result.signal).toBeNull();
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ calls: 3, header: true });
  });

  it("the CommonJS build works through require", () => {
    const result = run([
      "--input-type=commonjs",
      "-e",
      `(async () => { ${scenario('const { ProxyAuthHandler, TokenAcquisitionError } = require("@proxy-auth/core");')} })();`,
    ]);
    expect(result.signal).toBeNull();
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ calls: 3, header: true });
  });
});
