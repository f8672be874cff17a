import { defineConfig, mergeConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.js";

// Type tests (`*.test-d.ts`) run with the others, through tsc.
export default mergeConfig(
  sharedTestConfig,
  defineConfig({
    test: {
      typecheck: {
        enabled: true,
        include: ["src/**/*.test-d.ts", "test/**/*.test-d.ts"],
        tsconfig: "tsconfig.test.json",
      },
    },
  }),
);
