import { ConfigurationError } from "@proxy-auth/core";

/**
 * Runs `parse` (a `node:util` parseArgs call) and turns its errors into `ConfigurationError`s
 * (exit status 2) that name the command's `--help`.
 */
export function parseCommandLine<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new ConfigurationError(
      `${(error as Error).message.replace(/\. To specify .*$/s, ".")} (see proxy-auth ${command} --help)`,
    );
  }
}

/**
 * A whole number of seconds (or a port) given as a flag, within bounds.
 *
 * @throws `ConfigurationError` naming the flag.
 */
export function wholeNumber(
  value: string | undefined,
  flag: string,
  fallback: number,
  maximum: number,
): number {
  if (value === undefined) return fallback;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(number <= maximum)) {
    throw new ConfigurationError(`${flag} must be a whole number from 0 to ${maximum}.`);
  }
  return number;
}
