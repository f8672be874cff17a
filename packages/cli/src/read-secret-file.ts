import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { ConfigurationError, TokenAcquisitionError } from "@proxy-auth/core";

/** Keys and assertions are a few kilobytes; anything larger is not one. */
const MAX_BYTES = 64 * 1024;

/**
 * The trimmed text of a key or assertion file, read when the configuration is made. At most
 * 64 KiB is read, whatever the path names.
 *
 * @param variable - The variable that named the file, for the message (never the contents).
 * @throws `ConfigurationError` when it cannot be read, is empty or too large.
 */
export function readSecretFileSync(path: string, variable: string): string {
  const buffer = Buffer.alloc(MAX_BYTES + 1);
  let length = 0;
  try {
    const descriptor = openSync(path, "r");
    try {
      for (let read = -1; read !== 0 && length < buffer.length; length += read) {
        read = readSync(descriptor, buffer, length, buffer.length - length, null);
      }
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    throw new ConfigurationError(`${variable}: cannot read ${path} (${code(error)}).`);
  }
  return checked(buffer.subarray(0, length), path, variable, (m) => new ConfigurationError(m));
}

/**
 * The same, read again for every token request (projected tokens rotate on disk).
 *
 * @throws `TokenAcquisitionError`, retryable when the file could not be read (a file being
 * rotated can be missing for a moment).
 */
export async function readSecretFile(path: string, variable: string): Promise<string> {
  const buffer = Buffer.alloc(MAX_BYTES + 1);
  let length = 0;
  try {
    const file = await open(path, "r");
    try {
      for (let read = -1; read !== 0 && length < buffer.length; length += read) {
        ({ bytesRead: read } = await file.read(buffer, length, buffer.length - length, null));
      }
    } finally {
      await file.close();
    }
  } catch (error) {
    throw new TokenAcquisitionError(`${variable}: cannot read ${path} (${code(error)}).`, {
      retryable: true,
    });
  }
  return checked(
    buffer.subarray(0, length),
    path,
    variable,
    (message) => new TokenAcquisitionError(message, { retryable: false }),
  );
}

function checked(
  bytes: Buffer,
  path: string,
  variable: string,
  failure: (message: string) => Error,
): string {
  if (bytes.length > MAX_BYTES) {
    throw failure(`${variable}: ${path} is larger than ${MAX_BYTES} bytes.`);
  }
  const text = bytes.toString("utf8").trim();
  if (text.length === 0) throw failure(`${variable}: ${path} is empty.`);
  return text;
}

function code(error: unknown): string {
  return (error as { code?: string }).code ?? String(error);
}
