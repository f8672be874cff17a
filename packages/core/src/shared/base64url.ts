/**
 * Bytes as unpadded base64url (RFC 4648 §5), as JOSE objects carry them. WebCrypto-era
 * runtimes only: no Buffer.
 */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
