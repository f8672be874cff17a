import { defineConfig } from "vitest/config";
import { sharedReporting } from "../../vitest.shared.js";

export default defineConfig({
  // One file, in order: the matrix's figures add up across its tests.
  test: { include: ["test/**/*.test.ts"], ...sharedReporting, fileParallelism: false },
});
