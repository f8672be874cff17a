import { parseArgs } from "node:util";
import { ConfigurationError, ProxyAuthHandler } from "@proxy-auth/core";
import type { CommandContext } from "./command-settings.js";
import { scopeSetting } from "./command-settings.js";
import { refuseDPoPForPrinting } from "./dpop-environment.js";
import { createFileTokenCache, tokenCacheDirectory } from "./file-token-cache.js";
import { TOKEN_HELP } from "./help.js";
import { shortLifetimeWarning } from "./min-ttl-rule.js";
import { parseCommandLine, wholeNumber } from "./parse-command-line.js";
import { credentialForCommand, personScope } from "./person-credential.js";
import { createStderrLogger } from "./stderr-logger.js";
import { decodeToken } from "./token-claims.js";
import { createAttemptCounter, explainTokenFailure } from "./token-failure-explanation.js";

const DEFAULT_MIN_TTL_SECONDS = 300;

/**
 * `proxy-auth token`: prints a valid token (bare, `--json` or `--header`) that stays valid for
 * `--min-ttl` seconds, from the on-disk cache while it is before its refresh time.
 */
export async function tokenCommand(args: string[], context: CommandContext): Promise<number> {
  const { values: flags } = parseCommandLine("token", () =>
    parseArgs({
      args,
      strict: true,
      options: {
        scope: { type: "string" },
        json: { type: "boolean" },
        header: { type: "boolean" },
        decode: { type: "boolean" },
        "min-ttl": { type: "string" },
        "no-cache": { type: "boolean" },
        profile: { type: "string" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }),
  );
  if (flags.help) {
    context.stdout.write(TOKEN_HELP);
    return 0;
  }
  if ([flags.json, flags.header, flags.decode].filter(Boolean).length > 1) {
    throw new ConfigurationError("Give one of --json, --header or --decode.");
  }
  const minTtl = wholeNumber(flags["min-ttl"], "--min-ttl", DEFAULT_MIN_TTL_SECONDS, 86_400);
  const { environment, stderr } = context;
  const { credential, description, identity, ...person } = await credentialForCommand(environment, {
    profile: flags.profile,
    minValidSeconds: minTtl,
  });
  refuseDPoPForPrinting(credential);
  const scope =
    personScope(flags.scope, environment, person.scope) ?? scopeSetting(flags.scope, environment);
  const logger = createStderrLogger(stderr, flags.verbose === true);

  // A signed-in person's tokens are kept, encrypted and under a lock, in the sign-in itself.
  const cache =
    flags["no-cache"] || person.scope !== undefined
      ? undefined
      : createFileTokenCache(tokenCacheDirectory(environment), minTtl);
  const counter = createAttemptCounter();
  let source: "credential" | "shared-cache" | undefined;
  // The handler's fleet source shares the file with other runs: a reusable token from it, else
  // one run (the lock's holder) gets a new token and the others take that one.
  const handler = new ProxyAuthHandler({
    credential,
    scope,
    onTokenError: "throw",
    onEvent: (event) => {
      counter.onEvent(event);
      if (event.type === "token.acquired") source = event.source;
    },
    // Failures are reported once, by the exit message; retries show with --verbose. A cache
    // that cannot be used (a folder not the user's own) is said, as the run then makes a grant.
    logger: {
      ...logger,
      warn: (message, fields) =>
        (message.startsWith("Token cache") ? logger.warn : (logger.debug ?? (() => {})))(
          message,
          fields,
        ),
    },
    ...(cache === undefined ? {} : { cache, cacheKey: await identity() }),
  });
  const token = await handler.getToken().catch((error: unknown) => {
    throw explainTokenFailure(error, counter.attempts, environment, flags.scope);
  });
  if (source === "shared-cache") {
    logger.info?.("Token from the cache", {
      directory: cache?.directory,
      expiresOn: token.expiresOn,
    });
  } else {
    logger.info?.(`New token from ${description}`, { scope, expiresOn: token.expiresOn });
    const shortLived = shortLifetimeWarning(minTtl, token.expiresOn - Date.now() / 1000);
    if (shortLived !== undefined) logger.warn(shortLived);
  }
  if (flags.decode) {
    const decoded = decodeToken(token, Date.now() / 1000);
    if (decoded.claims === null) {
      logger.warn("The token is opaque (not a JWT): only its expiry is known.");
    }
    context.stdout.write(`${JSON.stringify(decoded, null, 2)}\n`);
    return 0;
  }
  context.stdout.write(
    flags.json
      ? `${JSON.stringify({ token: token.token, expiresOn: Math.floor(token.expiresOn), tokenType: "Bearer" })}\n`
      : flags.header
        ? `Authorization: Bearer ${token.token}\n`
        : `${token.token}\n`,
  );
  return 0;
}
