import { defineConfig } from "vitest/config";
import { sharedReporting } from "../../vitest.shared.js";

export default defineConfig({
  // One real LiteLLM proxy serves every test file: files run one after another.
  test: {
    include: ["test/**/*.test.ts"],
    ...sharedReporting,
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
