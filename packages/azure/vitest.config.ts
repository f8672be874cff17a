import { defineConfig } from "vitest/config";
import { sharedReporting } from "../../vitest.shared.js";

// Two projects: unit tests, and the real @azure/identity against a loopback HTTPS Entra
// endpoint. The second needs NODE_EXTRA_CA_CERTS set before its worker processes start, which
// its global setup does.
export default defineConfig({
  test: {
    ...sharedReporting,
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "entra",
          include: ["test/**/*.test.ts"],
          globalSetup: ["test/trust-test-certificate.ts"],
          pool: "forks",
        },
      },
    ],
  },
});
