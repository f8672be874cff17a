import { defineConfig } from "vitest/config";
import { sharedReporting } from "../../vitest.shared.js";

export default defineConfig({
  // One file: it starts the deployment once and runs the runtimes one after another.
  test: { include: ["test/**/*.test.ts"], ...sharedReporting },
});
