import { createRequire } from "node:module";
import { ConfigurationError, ProxyAuthError } from "@proxy-auth/core";
import { AddressInUseError, EXIT_ADDRESS_IN_USE } from "./address-in-use.js";
import type { CommandContext } from "./command-settings.js";
import { MAIN_HELP } from "./help.js";

type Command = (args: string[], context: CommandContext) => Promise<number>;

/** Each command is loaded when used: `token` stays quick to start (no HTTP server, no undici). */
const COMMANDS: Record<string, () => Promise<Command>> = {
  token: async () => (await import("./token-command.js")).tokenCommand,
  serve: async () => (await import("./serve-command.js")).serveCommand,
  exec: async () => (await import("./exec-command.js")).execCommand,
  doctor: async () => (await import("./doctor-command.js")).doctorCommand,
  login: async () => (await import("./login-command.js")).loginCommand,
  logout: async () => (await import("./logout-command.js")).logoutCommand,
  status: async () => (await import("./status-command.js")).statusCommand,
};

/**
 * Runs `proxy-auth` with `args` (without the node and script paths) and resolves the exit
 * status: 0 success, 1 no token could be obtained, 2 usage or configuration error, 3 the
 * forwarder's port is in use. Messages go
 * to `context.stderr`, with what to change; they never hold a token or a secret.
 */
export async function main(args: string[], context: CommandContext): Promise<number> {
  const [name, ...rest] = args;
  if (name === "--help" || name === "-h" || name === "help") {
    context.stdout.write(MAIN_HELP);
    return 0;
  }
  if (name === "--version" || name === "-V") {
    context.stdout.write(`${version()}\n`);
    return 0;
  }
  const load = name === undefined ? undefined : COMMANDS[name];
  if (load === undefined) {
    context.stderr.write(
      `proxy-auth: ${name === undefined ? "name a command" : `unknown command "${name}"`}: token, serve, exec, doctor, login, logout or status.\n\n${MAIN_HELP}`,
    );
    return 2;
  }
  try {
    return await (await load())(rest, context);
  } catch (error) {
    if (AddressInUseError.isInstance(error)) {
      context.stderr.write(`proxy-auth ${name}: ${error.message}\n`);
      return EXIT_ADDRESS_IN_USE;
    }
    if (ConfigurationError.isInstance(error)) {
      context.stderr.write(`proxy-auth ${name}: ${error.message}\n`);
      return 2;
    }
    const message =
      error instanceof Error ? `${error.name}: ${error.message}` : `failed: ${String(error)}`;
    context.stderr.write(
      ProxyAuthError.isInstance(error)
        ? `proxy-auth ${name}: no token could be obtained: ${error.message}\n`
        : `proxy-auth ${name}: ${message}\n`,
    );
    return 1;
  }
}

function version(): string {
  // The package's own manifest, by self-reference: the same from src and from dist.
  return (createRequire(import.meta.url)("@proxy-auth/cli/package.json") as { version: string })
    .version;
}
