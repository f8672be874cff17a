import { parseArgs } from "node:util";
import { revokeSignIn } from "@proxy-auth/oauth2";
import type { CommandContext } from "./command-settings.js";
import { parseCommandLine } from "./parse-command-line.js";
import { signInStore } from "./person-credential.js";
import { LOGOUT_HELP } from "./person-help.js";
import { profileName } from "./profile-settings.js";

/**
 * `proxy-auth logout`: revokes the profile's refresh token where the provider supports RFC 7009,
 * then forgets the sign-in (also when revoking failed: exit 1 then says so).
 */
export async function logoutCommand(args: string[], context: CommandContext): Promise<number> {
  const { values: flags } = parseCommandLine("logout", () =>
    parseArgs({
      args,
      strict: true,
      options: { profile: { type: "string" }, help: { type: "boolean", short: "h" } },
    }),
  );
  if (flags.help) {
    context.stdout.write(LOGOUT_HELP);
    return 0;
  }
  const { environment, stderr } = context;
  const profile = profileName(flags.profile, environment);
  const store = await signInStore(environment, profile);
  const person = await store.load().catch(() => undefined);
  if (person === undefined) {
    await store.clear();
    stderr.write(`No one is signed in (profile "${profile}").\n`);
    return 0;
  }
  let status = 0;
  try {
    const revoked = await revokeSignIn(person);
    stderr.write(
      revoked
        ? "The sign-in was revoked at the identity provider.\n"
        : "The identity provider offers no revocation (RFC 7009): the sign-in is only forgotten here.\n",
    );
  } catch (error) {
    status = 1;
    stderr.write(
      `proxy-auth logout: the identity provider did not revoke the sign-in (${(error as Error).message}); it is forgotten here anyway.\n`,
    );
  }
  await store.clear();
  stderr.write(`Signed out (profile "${profile}").\n`);
  return status;
}
