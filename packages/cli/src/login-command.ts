import { parseArgs } from "node:util";
import { ConfigurationError } from "@proxy-auth/core";
import {
  discoverProtectedResource,
  type SignedInPerson,
  signInWithBrowser,
  signInWithDeviceCode,
} from "@proxy-auth/oauth2";
import type { CommandContext } from "./command-settings.js";
import { openBrowser } from "./open-browser.js";
import { parseCommandLine } from "./parse-command-line.js";
import { signInStore } from "./person-credential.js";
import { LOGIN_HELP } from "./person-help.js";
import { printable } from "./printable.js";
import { profileName, readProfile, writeProfile } from "./profile-settings.js";

/**
 * `proxy-auth login`: signs a person in (browser flow, or `--device`), keeps the sign-in in the
 * profile's store (the OS keychain, else an encrypted file) and its settings in the profile. Nothing goes to stdout.
 */
export async function loginCommand(args: string[], context: CommandContext): Promise<number> {
  const { values: flags, positionals } = parseCommandLine("login", () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        device: { type: "boolean" },
        issuer: { type: "string" },
        "client-id": { type: "string" },
        scope: { type: "string" },
        resource: { type: "string", multiple: true },
        profile: { type: "string" },
        "no-browser": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }),
  );
  if (flags.help) {
    context.stdout.write(LOGIN_HELP);
    return 0;
  }
  const { environment, stderr } = context;
  if (positionals.length > 1) {
    throw new ConfigurationError(
      "Give at most one address: the proxy's (see proxy-auth login --help).",
    );
  }
  const profile = profileName(flags.profile, environment);
  const stored = await readProfile(environment, profile);
  const gateway = positionals[0];
  const found = gateway === undefined ? undefined : await discoverProtectedResource(gateway);
  if (gateway !== undefined) {
    stderr.write(
      found === undefined
        ? `${gateway} publishes no OAuth protected resource metadata (RFC 9728); using the settings of profile "${profile}".\n`
        : `${gateway} names ${found.authorizationServers[0]} as its identity provider.\n`,
    );
  }
  // What the gateway publishes comes before what the profile remembers; flags before both.
  const saved = {
    ...stored,
    ...(gateway === undefined ? {} : { target: gateway }),
    ...(found === undefined
      ? {}
      : {
          issuer: found.authorizationServers[0] as string,
          scope: ["openid", "offline_access", ...(found.scopes ?? [])].join(" "),
          resource: [found.resource],
        }),
  };
  const issuer =
    flags.issuer ??
    (found === undefined ? environment.PROXY_AUTH_ISSUER || saved.issuer : saved.issuer);
  const clientId = flags["client-id"] ?? (environment.PROXY_AUTH_LOGIN_CLIENT_ID || saved.clientId);
  if (issuer === undefined || clientId === undefined) {
    throw new ConfigurationError(
      `${issuer === undefined ? "--issuer (or PROXY_AUTH_ISSUER)" : "--client-id (or PROXY_AUTH_LOGIN_CLIENT_ID)"} is not set, and profile "${profile}" has none saved: the identity provider and the public client people sign in with.`,
    );
  }
  const scope =
    flags.scope ??
    saved.scope ??
    ["openid", "offline_access", environment.PROXY_AUTH_SCOPE].filter(Boolean).join(" ");
  const resource = flags.resource ?? saved.resource;
  const common = {
    issuer,
    clientId,
    scope,
    ...(resource === undefined || resource.length === 0 ? {} : { resource }),
  };
  let person: SignedInPerson;
  if (flags.device) {
    person = await signInWithDeviceCode({
      ...common,
      onPrompt: ({ verificationUri, verificationUriComplete, userCode }) => {
        // What the provider sent goes to a terminal: no control characters.
        stderr.write(
          `To sign in, open ${printable(verificationUri)} and enter the code ${printable(userCode, 40)}${
            verificationUriComplete ? `\n(or open ${printable(verificationUriComplete)})` : ""
          }\nWaiting for the sign-in…\n`,
        );
      },
    });
  } else {
    person = await signInWithBrowser({
      ...common,
      openUrl: (url) => {
        stderr.write(
          `${flags["no-browser"] ? "To sign in, open" : "Opening your browser; if it does not open, visit"}:\n${url}\n`,
        );
        if (!flags["no-browser"]) openBrowser(url, environment);
      },
    });
  }
  const store = await signInStore(environment, profile);
  await store.update(async () => person);
  await writeProfile(environment, profile, {
    ...saved,
    issuer,
    clientId,
    scope,
    ...(resource === undefined ? {} : { resource }),
  });
  stderr.write(
    `Signed in${person.subject ? ` as ${printable(person.subject, 200)}` : ""} (profile "${profile}"). The sign-in is kept in ${store.location}.\n`,
  );
  return 0;
}
