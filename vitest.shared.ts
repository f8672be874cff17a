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
