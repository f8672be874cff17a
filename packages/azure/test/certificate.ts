import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Certificate } from "@proxy-auth/testing";

/** The certificate the global setup made and this worker process trusts. */
export function trustedCertificate(): Certificate {
  const directory = process.env.PROXY_AUTH_TEST_CERT_DIR;
  if (directory === undefined)
    throw new Error(
      "run through the entra vitest project (its global setup makes the certificate)",
    );
  return {
    cert: readFileSync(join(directory, "cert.pem"), "utf8"),
    key: readFileSync(join(directory, "key.pem"), "utf8"),
  };
}
