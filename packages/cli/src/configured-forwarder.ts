import { ProxyAuthHandler } from "@proxy-auth/core";
import { plainHttpWarning } from "@proxy-auth/core/internal";
import { type CommandContext, scopeSetting, targetSetting } from "./command-settings.js";
import { checkListenAddress, type Forwarder, startForwarder } from "./forwarder.js";
import { credentialForCommand, personScope } from "./person-credential.js";
import { createStderrLogger } from "./stderr-logger.js";
import { createAttemptCounter, explainTokenFailure } from "./token-failure-explanation.js";

/** The flags `serve` and `exec` share. */
export interface ForwarderFlags {
  target?: string | undefined;
  scope?: string | undefined;
  /** The profile whose signed-in person to use (`--profile`). */
  profile?: string | undefined;
  header?: string | undefined;
  scheme?: string | undefined;
  verbose?: boolean | undefined;
  "pass-client-key"?: boolean | undefined;
}

/**
 * Reads the configuration, gets a first token (so a wrong configuration fails now, exit 1,
 * rather than on the first request) and starts the forwarder.
 */
export async function startConfiguredForwarder(
  flags: ForwarderFlags,
  listen: { host: string; port: number; localKey?: string | undefined },
  context: CommandContext,
): Promise<{ forwarder: Forwarder; target: URL; description: string }> {
  const { environment, stderr } = context;
  const { credential, description, ...person } = await credentialForCommand(environment, {
    profile: flags.profile,
  });
  const scope =
    personScope(flags.scope, environment, person.scope) ?? scopeSetting(flags.scope, environment);
  const target = targetSetting(flags.target, environment);
  checkListenAddress(listen.host, listen.localKey);
  const logger = createStderrLogger(stderr, flags.verbose === true);
  const plainHttp = plainHttpWarning(target);
  if (plainHttp !== undefined) logger.warn(plainHttp);
  // The first token's failure is reported once, by the exit message; later ones as they happen.
  let starting = true;
  const counter = createAttemptCounter();
  const handler = new ProxyAuthHandler({
    credential,
    scope,
    onTokenError: "throw",
    onEvent: counter.onEvent,
    logger: {
      ...logger,
      warn: (message, meta) =>
        starting ? logger.debug?.(message, meta) : logger.warn(message, meta),
    },
  });
  await handler.getToken().catch((error: unknown) => {
    throw explainTokenFailure(error, counter.attempts, environment, flags.scope);
  });
  starting = false;
  const forwarder = await startForwarder({
    handler,
    target,
    host: listen.host,
    port: listen.port,
    ...(listen.localKey === undefined ? {} : { localKey: listen.localKey }),
    ...(flags.header === undefined ? {} : { header: flags.header }),
    ...(flags.scheme === undefined ? {} : { scheme: flags.scheme }),
    ...(flags["pass-client-key"] === true ? { passClientKey: true } : {}),
    logger,
  });
  return { forwarder, target, description };
}
