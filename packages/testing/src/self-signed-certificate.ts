import { generate } from "selfsigned";

/** A PEM certificate and its private key. */
export interface Certificate {
  /** The certificate, PEM: trust it with `NODE_EXTRA_CA_CERTS` or a `ca` option. */
  cert: string;
  /** The private key, PEM. */
  key: string;
}

/**
 * Makes a self-signed TLS certificate for `127.0.0.1`, `::1` and `localhost`, valid for a day.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 *
 * const certificate = await createSelfSignedCertificate();
 * writeFileSync("ca.pem", certificate.cert); // then start Node with NODE_EXTRA_CA_CERTS=ca.pem
 * ```
 */
export async function createSelfSignedCertificate(): Promise<Certificate> {
  const now = new Date();
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "rsa",
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 24 * 3600_000),
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
