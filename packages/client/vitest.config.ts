import { defineConfig } from "vitest/config";
import { sharedReporting, testFiles } from "../../vitest.shared.js";

// Type tests (`*.test-d.ts`) run with the others: vitest's typecheck compiles them with tsc and
// reports each failing assertion or `@ts-expect-error` that is not needed as a failed test.
// Another package turns them on by copying the `typecheck` block.
export default defineConfig({
  test: {
    include: testFiles,
    ...sharedReporting,
    typecheck: {
      enabled: true,
      include: ["src/**/*.test-d.ts", "test/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
  },
});
