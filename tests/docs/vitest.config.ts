import { defineConfig } from "vitest/config";
import { sharedReporting, testFiles } from "../../vitest.shared.js";

export default defineConfig({ test: { include: testFiles, ...sharedReporting } });
