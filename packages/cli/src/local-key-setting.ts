import { statSync } from "node:fs";
import { ConfigurationError } from "@proxy-auth/core";
import type { Environment } from "./credential-from-environment.js";
import { readSecretFileSync } from "./read-secret-file.js";

/**
 * The forwarder's local key: `--local-key-file PATH` (the file's trimmed text), else
 * `PROXY_AUTH_LOCAL_KEY`, else `--local-key KEY`. A key given on the command line is shown to
 * every user of the machine (`ps`, `/proc/PID/cmdline`): the very users it keeps out. It is still
 * accepted (scripts use it), with a warning, and the command line is overwritten as soon as it
 * has been read, which leaves it visible only while proxy-auth starts.
 *
 * @param warn - Where the warning about `--local-key` goes.
 * @throws `ConfigurationError` when both flags are given or the file cannot be read.
 */
export function localKeySetting(
  flags: { "local-key"?: string | undefined; "local-key-file"?: string | undefined },
  environment: Environment,
  warn: (message: string) => void,
): string | undefined {
  const { "local-key": flag, "local-key-file": file } = flags;
  if (flag !== undefined && file !== undefined) {
    throw new ConfigurationError("Give --local-key-file or --local-key, not both.");
  }
  if (flag !== undefined) {
    hideCommandLine();
    warn(
      "--local-key shows the key to every user of this machine (ps, /proc/PID/cmdline) while proxy-auth starts: set PROXY_AUTH_LOCAL_KEY or use --local-key-file PATH instead.",
    );
    return flag;
  }
  if (file !== undefined) {
    const key = readSecretFileSync(file, "--local-key-file");
    if (process.platform !== "win32" && (statSync(file).mode & 0o077) !== 0) {
      warn(`${file} can be read by other users: chmod 600 it, or they can use the forwarder.`);
    }
    return key;
  }
  return environment.PROXY_AUTH_LOCAL_KEY || undefined;
}

/** Overwrites the process's command line (Linux and macOS show the new title in its place). */
function hideCommandLine(): void {
  try {
    process.title = "proxy-auth serve";
  } catch {
    // Some platforms cannot set the title: the warning stands.
  }
}
