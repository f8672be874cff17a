import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSelfSignedCertificate } from "@proxy-auth/testing";

/**
 * Vitest global setup: makes the certificate the Entra endpoint will serve and trusts it through
 * NODE_EXTRA_CA_CERTS, which Node reads only when a process starts — the test workers are
 * started after this runs, so they trust it.
 */
export default async function setup(): Promise<() => void> {
  const directory = mkdtempSync(join(tmpdir(), "proxy-auth-entra-"));
  const certificate = await createSelfSignedCertificate();
  writeFileSync(join(directory, "cert.pem"), certificate.cert);
  writeFileSync(join(directory, "key.pem"), certificate.key);
  process.env.NODE_EXTRA_CA_CERTS = join(directory, "cert.pem");
  process.env.PROXY_AUTH_TEST_CERT_DIR = directory;
  return () => rmSync(directory, { recursive: true, force: true });
}
