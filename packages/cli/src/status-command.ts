import { parseArgs } from "node:util";
import type { CommandContext } from "./command-settings.js";
import { parseCommandLine } from "./parse-command-line.js";
import { loginCommandFor, signInStore } from "./person-credential.js";
import { STATUS_HELP } from "./person-help.js";
import { printable } from "./printable.js";
import { profileName } from "./profile-settings.js";

/** `proxy-auth status`: who is signed in, where, until when, with which scopes; never a token. */
export async function statusCommand(args: string[], context: CommandContext): Promise<number> {
  const { values: flags } = parseCommandLine("status", () =>
    parseArgs({
      args,
      strict: true,
      options: {
        profile: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }),
  );
  if (flags.help) {
    context.stdout.write(STATUS_HELP);
    return 0;
  }
  const { environment, stdout } = context;
  const profile = profileName(flags.profile, environment);
  const store = await signInStore(environment, profile);
  const person = await store.load();
  if (person === undefined) {
    if (flags.json) stdout.write(`${JSON.stringify({ profile, signedIn: false })}\n`);
    else
      stdout.write(`Not signed in (profile "${profile}"). Run \`${loginCommandFor(profile)}\`.\n`);
    return 1;
  }
  // Only what describes the sign-in: never the access or the refresh token.
  const summary = {
    profile,
    signedIn: true,
    subject: person.subject === undefined ? null : printable(person.subject, 200),
    issuer: printable(person.issuer),
    clientId: printable(person.clientId, 200),
    scope: person.scope === undefined ? null : printable(person.scope),
    accessTokenExpiresOn: new Date(person.accessToken.expiresOn * 1000).toISOString(),
    canRenew: person.refreshToken !== undefined,
    storage: store.location,
  };
  if (flags.json) {
    stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  }
  stdout.write(
    [
      `Signed in as ${summary.subject ?? "(the provider named no subject)"} (profile "${profile}")`,
      `  identity provider  ${summary.issuer} (client ${summary.clientId})`,
      `  scopes             ${summary.scope ?? "(not stated by the provider)"}`,
      `  access token until ${summary.accessTokenExpiresOn}${summary.canRenew ? ", renewed with the refresh token" : ", then sign in again"}`,
      `  kept in            ${summary.storage}`,
      "",
    ].join("\n"),
  );
  return 0;
}
