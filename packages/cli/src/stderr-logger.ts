import type { Logger } from "@proxy-auth/core";

/** Where the command writes: a stream with `write`. */
export interface TextOutput {
  write(text: string): unknown;
}

/**
 * The command's logger: one plain line per event on stderr (no colour, so it reads the same in
 * a terminal, a pipe or a log file). Warnings and errors always; info and debug with `verbose`.
 * The handler's messages and metadata never carry a token or a secret.
 */
export function createStderrLogger(stderr: TextOutput, verbose: boolean): Logger {
  const line = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    stderr.write(`proxy-auth: ${level}${message}${format(meta)}\n`);
  };
  const logger: Logger = { warn: line("warning: "), error: line("error: ") };
  if (verbose) {
    logger.info = line("");
    logger.debug = line("");
  }
  return logger;
}

function format(meta: Record<string, unknown> | undefined): string {
  if (meta === undefined) return "";
  const fields = Object.entries(meta).filter(([, value]) => value !== undefined);
  return fields.length === 0
    ? ""
    : ` (${fields.map(([name, value]) => `${name}=${String(value)}`).join(", ")})`;
}
