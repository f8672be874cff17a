import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants } from "node:os";
import { parseArgs } from "node:util";
import { ConfigurationError } from "@proxy-auth/core";
import type { CommandContext } from "./command-settings.js";
import { startConfiguredForwarder } from "./configured-forwarder.js";
import { EXEC_HELP } from "./help.js";
import { parseCommandLine } from "./parse-command-line.js";
import { scrubInitialEnvironment } from "./scrub-initial-environment.js";

/**
 * Variables that hold a secret a credential may use, or that let their holder mint a token:
 * never passed to the command. (File paths stay: the command runs as the same user anyway.)
 */
const WITHHELD = new Set([
  "PROXY_AUTH_CLIENT_SECRET",
  "PROXY_AUTH_LOCAL_KEY",
  "PROXY_AUTH_SIGN_IN_KEY",
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_CERTIFICATE_PASSWORD",
  "AZURE_PASSWORD",
  // Managed identity (App Service, Functions, Arc, Service Fabric): the endpoint's secret.
  "IDENTITY_HEADER",
  "MSI_SECRET",
  // GitHub Actions: the request token and URL mint the job's OIDC tokens.
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_URL",
]);
/** Secrets proxy-auth itself has read by the time the forwarder runs: dropped from its environment. */
const READ_ONCE = ["PROXY_AUTH_CLIENT_SECRET", "PROXY_AUTH_LOCAL_KEY"];
/** Signals passed on to the command. */
const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
/** The command is gone: requests still in flight are its own and can stop at once. */
const AFTER_EXIT_GRACE_MS = 1000;

/**
 * `proxy-auth exec -- COMMAND [ARG...]`: the forwarder on a free loopback port, guarded by a
 * key made for this run, for the lifetime of COMMAND; resolves COMMAND's exit status.
 */
export async function execCommand(args: string[], context: CommandContext): Promise<number> {
  const separator = args.indexOf("--");
  const help = args.slice(0, separator === -1 ? undefined : separator).some(isHelp);
  if (separator === -1 && !help) throw noCommand();
  const { values: flags } = parseCommandLine("exec", () =>
    parseArgs({
      args: separator === -1 ? args : args.slice(0, separator),
      strict: true,
      options: {
        target: { type: "string" },
        header: { type: "string" },
        scheme: { type: "string" },
        "pass-client-key": { type: "boolean" },
        scope: { type: "string" },
        profile: { type: "string" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }),
  );
  if (flags.help) {
    context.stdout.write(EXEC_HELP);
    return 0;
  }
  const [command, ...commandArgs] = separator === -1 ? [] : args.slice(separator + 1);
  if (command === undefined) throw noCommand();
  const localKey = `proxy-auth-${randomBytes(24).toString("base64url")}`;
  const { forwarder } = await startConfiguredForwarder(
    flags,
    { host: "127.0.0.1", port: 0, localKey },
    context,
  );
  // The command gets the forwarder, not the identity: every secret the configuration may hold
  // stays with proxy-auth.
  const inherited = Object.fromEntries(
    Object.entries(context.environment).filter(([name]) => !WITHHELD.has(name)),
  );
  // Read into the credential already: nothing later in this process (a report, a child) finds
  // them, nor the command in /proc/PID/environ (on Linux; elsewhere SECURITY.md says what stays).
  const held = READ_ONCE.filter((name) => context.environment[name]);
  for (const name of READ_ONCE) delete context.environment[name];
  if (held.length > 0 && context.environment === process.env) {
    if (!scrubInitialEnvironment(held) && process.platform === "linux") {
      context.stderr.write(
        `proxy-auth: warning: ${held.join(" and ")} could not be erased from /proc/${process.pid}/environ: the command can read it there.\n`,
      );
    }
  }
  const child = spawn(command, commandArgs, {
    stdio: "inherit",
    env: {
      ...inherited,
      OPENAI_BASE_URL: forwarder.url,
      OPENAI_API_BASE: forwarder.url,
      LITELLM_PROXY_API_BASE: forwarder.url,
      OPENAI_API_KEY: localKey,
      LITELLM_PROXY_API_KEY: localKey,
    },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  try {
    return await new Promise<number>((resolve) => {
      child.once("error", (error) => {
        context.stderr.write(
          `proxy-auth: cannot run ${command}: ${(error as { code?: string }).code ?? error.message}\n`,
        );
        resolve(127);
      });
      child.once("exit", (code, signal) => {
        resolve(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
      });
    });
  } finally {
    for (const signal of FORWARDED) process.off(signal, forward);
    await forwarder.close({ timeoutMs: AFTER_EXIT_GRACE_MS });
  }
}

const isHelp = (argument: string) => argument === "--help" || argument === "-h";

const noCommand = () =>
  new ConfigurationError(
    "Name the command after --, e.g. proxy-auth exec -- python app.py (see proxy-auth exec --help).",
  );
