import { defineConfig } from "vitest/config";
import { sharedReporting } from "../../vitest.shared.js";

export default defineConfig({
  // Packing and a real npm install take a while.
  test: {
    include: ["test/**/*.test.ts"],
    ...sharedReporting,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
