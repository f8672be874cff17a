import { parseArgs } from "node:util";
import type { CommandContext } from "./command-settings.js";
import { startConfiguredForwarder } from "./configured-forwarder.js";
import { SERVE_HELP } from "./help.js";
import { localKeySetting } from "./local-key-setting.js";
import { parseCommandLine, wholeNumber } from "./parse-command-line.js";

const DEFAULT_PORT = 4001;

/**
 * `proxy-auth serve`: the forwarder until SIGINT or SIGTERM, then a graceful shutdown (requests
 * in flight may finish within `--shutdown-timeout`; a second signal ends them at once).
 */
export async function serveCommand(args: string[], context: CommandContext): Promise<number> {
  const { values: flags } = parseCommandLine("serve", () =>
    parseArgs({
      args,
      strict: true,
      options: {
        target: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        "local-key": { type: "string" },
        "local-key-file": { type: "string" },
        header: { type: "string" },
        scheme: { type: "string" },
        "pass-client-key": { type: "boolean" },
        "shutdown-timeout": { type: "string" },
        scope: { type: "string" },
        profile: { type: "string" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }),
  );
  if (flags.help) {
    context.stdout.write(SERVE_HELP);
    return 0;
  }
  const port = wholeNumber(flags.port, "--port", DEFAULT_PORT, 65_535);
  const graceSeconds = wholeNumber(flags["shutdown-timeout"], "--shutdown-timeout", 10, 3600);
  const localKey = localKeySetting(flags, context.environment, (message) =>
    context.stderr.write(`proxy-auth serve: warning: ${message}\n`),
  );
  const { forwarder, target, description } = await startConfiguredForwarder(
    flags,
    { host: flags.host ?? "127.0.0.1", port, localKey },
    context,
  );
  const { stderr } = context;
  stderr.write(
    `proxy-auth: forwarding ${forwarder.url} → ${target.origin}${target.pathname.replace(/\/$/, "")} (${description})\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  stderr.write(
    `proxy-auth: ${signal}: finishing ${forwarder.inFlight} request(s) in flight (at most ${graceSeconds} s)\n`,
  );
  const cutOff = await Promise.race([
    forwarder.close({ timeoutMs: graceSeconds * 1000 }),
    new Promise<number>((resolve) => {
      const now = () => resolve(forwarder.inFlight);
      process.once("SIGINT", now);
      process.once("SIGTERM", now);
    }),
  ]);
  if (cutOff > 0) {
    stderr.write(`proxy-auth: stopped with ${cutOff} request(s) cut off\n`);
    return 1;
  }
  stderr.write("proxy-auth: stopped\n");
  return 0;
}
