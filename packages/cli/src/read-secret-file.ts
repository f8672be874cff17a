import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { ConfigurationError } from "@proxy-auth/core";

/** Keys and assertions are a few kilobytes; anything larger is not one. */
const MAX_BYTES = 64 * 1024;

/**
 * The trimmed text of a key or assertion file, read when the configuration is made. Regular
 * files only (a named pipe or a device is refused at once, never waited on); at most 64 KiB is
 * read.
 *
 * @param variable - The variable that named the file, for the message (never the contents).
 * @throws `ConfigurationError` when it cannot be read, is empty or too large.
 */
export function readSecretFileSync(path: string, variable: string): string {
  const buffer = Buffer.alloc(MAX_BYTES + 1);
  let length = 0;
  try {
    // Non-blocking: opening a named pipe would otherwise wait for a writer, forever.
    const descriptor = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      if (!fstatSync(descriptor).isFile()) {
        throw new ConfigurationError(`${variable}: ${path} is not a regular file.`);
      }
      for (let read = -1; read !== 0 && length < buffer.length; length += read) {
        read = readSync(descriptor, buffer, length, buffer.length - length, null);
      }
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    if (ConfigurationError.isInstance(error)) throw error;
    throw new ConfigurationError(`${variable}: cannot read ${path} (${code(error)}).`);
  }
  const bytes = buffer.subarray(0, length);
  if (bytes.length > MAX_BYTES) {
    throw new ConfigurationError(`${variable}: ${path} is larger than ${MAX_BYTES} bytes.`);
  }
  const text = bytes.toString("utf8").trim();
  if (text.length === 0) throw new ConfigurationError(`${variable}: ${path} is empty.`);
  return text;
}

function code(error: unknown): string {
  return (error as { code?: string }).code ?? String(error);
}
