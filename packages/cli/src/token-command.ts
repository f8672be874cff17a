import { parseArgs } from "node:util";
import { type AccessToken, ConfigurationError, ProxyAuthHandler } from "@proxy-auth/core";
import { scheduleToken, sleep } from "@proxy-auth/core/internal";
import type { CommandContext } from "./command-settings.js";
import { scopeSetting } from "./command-settings.js";
import { refuseDPoPForPrinting } from "./dpop-environment.js";
import { TOKEN_HELP } from "./help.js";
import { isReusable, shortLifetimeWarning } from "./min-ttl-rule.js";
import { parseCommandLine, wholeNumber } from "./parse-command-line.js";
import { credentialForCommand, personScope } from "./person-credential.js";
import { createStderrLogger } from "./stderr-logger.js";
import { sweepTokenFiles } from "./sweep-token-files.js";
import { decodeToken } from "./token-claims.js";
import { createAttemptCounter, explainTokenFailure } from "./token-failure-explanation.js";
import { type CachedToken, TokenFileCache, tokenCacheDirectory } from "./token-file-cache.js";

/** The handler's default refresh buffer: a cached token is replaced when a handler would refresh it. */
const REFRESH_BUFFER_SECONDS = 60;
const EXPIRY_MARGIN_SECONDS = 5;
const DEFAULT_MIN_TTL_SECONDS = 300;
/** How long a run waits for another run's new token before getting one itself. */
const LOCK_WAIT_MS = 10_000;
const LOCK_POLL_MS = 50;

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
      : new TokenFileCache(tokenCacheDirectory(environment));
  const key = cache === undefined ? "" : TokenFileCache.key(await identity(), scope);
  const read = () =>
    (cache?.read(key) ?? Promise.resolve(undefined)).catch((error: unknown) => {
      logger.warn(`Cannot read the token cache (${reason(error)}); getting a new token.`);
      return undefined;
    });
  // A cached token is handed out before its refresh time, while it outlives the --min-ttl rule.
  const usable = (entry: CachedToken | undefined) =>
    entry !== undefined &&
    isReusable({ ...entry, expiresOn: entry.token.expiresOn }, minTtl, Date.now() / 1000)
      ? entry.token
      : undefined;
  let token = usable(await read());
  if (token !== undefined) {
    logger.info?.(`Token from the cache ${cache?.path(key)}`, { expiresOn: token.expiresOn });
  } else {
    // Runs started together make one grant: one takes the lock, the others wait for its token.
    const release = await cache?.lock(key).catch((error: unknown) => {
      logger.warn(`Cannot lock the token cache (${reason(error)}).`);
      return null;
    });
    if (cache !== undefined && release === undefined) {
      for (const deadline = Date.now() + LOCK_WAIT_MS; token === undefined; ) {
        await sleep(LOCK_POLL_MS);
        token = usable(await read());
        if (Date.now() > deadline || !(await cache.locked(key))) break;
      }
      token ??= usable(await read());
    }
    try {
      token ??= await newToken();
    } finally {
      await release?.();
    }
  }

  async function newToken(): Promise<AccessToken> {
    const counter = createAttemptCounter();
    const handler = new ProxyAuthHandler({
      credential,
      scope,
      onTokenError: "throw",
      onEvent: counter.onEvent,
      // Failures are reported once, by the exit message; retries show with --verbose.
      logger: { ...logger, warn: logger.debug ?? (() => {}) },
      refreshBufferSeconds: REFRESH_BUFFER_SECONDS,
      expiryMarginSeconds: EXPIRY_MARGIN_SECONDS,
    });
    const fresh = await handler.getToken().catch((error: unknown) => {
      throw explainTokenFailure(error, counter.attempts, environment, flags.scope);
    });
    const now = Date.now();
    logger.info?.(`New token from ${description}`, { scope, expiresOn: fresh.expiresOn });
    const shortLived = shortLifetimeWarning(minTtl, fresh.expiresOn - now / 1000);
    if (shortLived !== undefined) logger.warn(shortLived);
    if (cache !== undefined) {
      const { refreshAt } = scheduleToken(
        fresh,
        now,
        REFRESH_BUFFER_SECONDS,
        EXPIRY_MARGIN_SECONDS,
      );
      await cache
        .write(key, { token: fresh, refreshAt: refreshAt / 1000, obtainedAt: now / 1000 })
        .catch((error: unknown) => {
          logger.warn(`Cannot write the token cache (${reason(error)}); the token is not cached.`);
        });
      await sweepTokenFiles(cache.directory);
    }
    return fresh;
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

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
