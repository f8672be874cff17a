import {
  ConfigurationError,
  CredentialUnavailableError,
  TokenAcquisitionError,
} from "@proxy-auth/core";
import { TOKEN_SOURCE_IDENTITY } from "./token-source-identity.js";
import { TOKEN_SOURCE_LIMIT_BYTES } from "./token-source-request.js";

/**
 * Held in a variable so bundlers leave the import alone: a Worker bundle that includes the
 * oauth2 package must not try to resolve Node's file system (this function needs files, so it
 * only runs where they exist: Node, Bun, Deno).
 */
const FS_PROMISES = "node:fs/promises";
/**
 * A token source that reads a JWT from a file on every call — a Kubernetes projected
 * service-account token, `AZURE_FEDERATED_TOKEN_FILE`, any file a sidecar keeps fresh. The
 * kubelet rewrites such files in place, so reading anew picks up the rotated token without a
 * restart. Use it as `clientAssertion` or as `TokenExchangeCredential`'s `subjectToken`.
 * Node, Bun and Deno (it reads through `node:fs`).
 *
 * @param path - The file holding the token (surrounding whitespace is ignored). With an absolute
 *   path, credentials using this source in any process share one `cacheKey()` (and so one token
 *   in a shared cache); with a relative one, each source is an identity of its own.
 * @returns A function that resolves to the file's current token.
 * @example
 * ```ts
 * const credential = new GenericOAuth2Credential({
 *   clientId: "litellm-caller",
 *   tokenUrl: "https://keycloak.example.com/realms/ai/protocol/openid-connect/token",
 *   clientAssertion: clientAssertionFromFile("/var/run/secrets/tokens/litellm"),
 * });
 * ```
 */
export function clientAssertionFromFile(path: string): () => Promise<string> {
  if (typeof path !== "string" || path.length === 0) {
    throw new ConfigurationError("clientAssertionFromFile needs the path of the token file.");
  }
  const source = async () => {
    const { open, constants } = (await import(FS_PROMISES)) as typeof import("node:fs/promises");
    let text: string;
    try {
      // Non-blocking: a named pipe (or a device) would otherwise hold a file-system thread
      // until a writer comes, and a few such reads stall every file read and DNS lookup.
      const file = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
      try {
        if (!(await file.stat()).isFile()) {
          throw new TokenAcquisitionError(
            `clientAssertionFromFile: "${path}" is not a regular file; it does not hold a token.`,
            { retryable: false },
          );
        }
        // One byte more than the limit tells an oversized file from one that fits exactly.
        const buffer = new Uint8Array(TOKEN_SOURCE_LIMIT_BYTES + 1);
        const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
        if (bytesRead > TOKEN_SOURCE_LIMIT_BYTES) {
          throw new TokenAcquisitionError(
            `clientAssertionFromFile: "${path}" is larger than ${TOKEN_SOURCE_LIMIT_BYTES} bytes; it does not hold a token.`,
            { retryable: false },
          );
        }
        text = new TextDecoder().decode(buffer.subarray(0, bytesRead)).trim();
      } finally {
        await file.close();
      }
    } catch (error) {
      if (TokenAcquisitionError.isInstance(error)) throw error;
      const code = (error as { code?: unknown }).code;
      if (code === "ENOENT") {
        throw new CredentialUnavailableError(
          `clientAssertionFromFile: there is no token file "${path}" here (ENOENT); mount it (a projected service-account token, AZURE_FEDERATED_TOKEN_FILE) or use another credential.`,
          { cause: error },
        );
      }
      throw new TokenAcquisitionError(
        `clientAssertionFromFile: cannot read "${path}"${typeof code === "string" ? ` (${code})` : ""}.`,
        { retryable: code !== "EACCES" && code !== "EISDIR", cause: error },
      );
    }
    if (text === "") {
      // Caught between truncation and write: the next attempt should see the token.
      throw new TokenAcquisitionError(`clientAssertionFromFile: "${path}" is empty.`, {
        retryable: true,
      });
    }
    return text;
  };
  // An absolute path names the file for every process: credentials reading it share a cache key.
  if (/^(?:\/|[A-Za-z]:[\\/])/.test(path)) {
    Object.defineProperty(source, TOKEN_SOURCE_IDENTITY, { value: `file:${path}` });
  }
  return source;
}
