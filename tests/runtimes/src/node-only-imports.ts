// The Node-only packages, imported where they must refuse to load: each must fail at import with
// one clear message, not with a stack from deep inside @azure/identity or ioredis.

import { check, type SeedCase } from "./seed-flow.ts";

async function refuses(load: () => Promise<unknown>, name: string): Promise<void> {
  let failure: unknown;
  try {
    await load();
  } catch (error) {
    failure = error;
  }
  check(failure !== undefined, `${name} loaded outside Node`);
  const { message, code } = failure as { message?: unknown; code?: unknown };
  check(
    typeof message === "string" && message.startsWith(`${name} runs on Node.js only`),
    `unclear message: ${String(message)}`,
  );
  check(code === "CONFIGURATION_ERROR", `code ${String(code)}`);
}

/** The checks, one per Node-only package: passing means the package is refused, clearly. */
export const nodeOnlyImports: SeedCase[] = [
  {
    name: "importing @proxy-auth/azure fails with a clear Node-only message",
    packages: ["azure"],
    outcome: "refused",
    run: () => refuses(() => import("@proxy-auth/azure"), "@proxy-auth/azure"),
  },
  {
    name: "importing @proxy-auth/cache-redis fails with a clear Node-only message",
    packages: ["cache-redis"],
    outcome: "refused",
    run: () => refuses(() => import("@proxy-auth/cache-redis"), "@proxy-auth/cache-redis"),
  },
];
