import { defineConfig } from "vitest/config";

/** Where every package's tests live: beside the code, and in test/. */
export const testFiles = ["src/**/*.test.ts", "test/**/*.test.ts"];

/**
 * The reporting every package shares: a JSON report that `scripts/test-summary.mjs` adds up
 * into one closing line for the whole repository.
 */
export const sharedReporting = {
  reporters: ["default", "json"],
  outputFile: { json: ".vitest-results.json" },
  testTimeout: 30_000,
};

/** The vitest configuration of a package with one kind of test. */
export const sharedTestConfig = defineConfig({
  test: { include: testFiles, ...sharedReporting },
});

/**
 * The vitest configuration of a package with type tests too: `*.test-d.ts` files run with the
 * others, through tsc with the package's `tsconfig` (the one that includes its tests).
 */
export function sharedTypedTestConfig(tsconfig = "tsconfig.json") {
  return defineConfig({
    test: {
      include: testFiles,
      ...sharedReporting,
      typecheck: {
        enabled: true,
        include: ["src/**/*.test-d.ts", "test/**/*.test-d.ts"],
        tsconfig,
      },
    },
  });
}
