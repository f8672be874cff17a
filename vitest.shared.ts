import { defineConfig } from "vitest/config";

/**
 * The vitest settings every package shares: tests beside the code and in test/, and a JSON
 * report that `scripts/test-summary.mjs` adds up into one closing line for the whole repo.
 */
export const sharedTestConfig = defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-results.json" },
    testTimeout: 30_000,
  },
});
