import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { ConfigurationError, CredentialUnavailableError } from "@proxy-auth/core";
import { RefreshTokenCredential, type SignInStore } from "@proxy-auth/oauth2";
import {
  credentialFromEnvironment,
  type EnvironmentCredential,
} from "./credential-from-environment.js";
import { ownedByMe } from "./private-file.js";
import { configDirectory, profileName } from "./profile-settings.js";
import {
  SignInFileStore,
  signInDirectory,
  signInFileKey,
  signInFilePath,
} from "./sign-in-file-store.js";
import {
  keychainEntry,
  keychainMarkerPath,
  SignInKeychainStore,
} from "./sign-in-keychain-store.js";

type Environment = Record<string, string | undefined>;

/** A sign-in store that can say where it keeps the sign-in. */
export type ProfileSignInStore = SignInStore & { readonly location: string };

/**
 * The sign-in store of `profile`, by `PROXY_AUTH_SIGN_IN_STORAGE`: `keychain` (the OS keychain,
 * failing where there is none), `file` (an encrypted file, see {@link SignInFileStore}), or
 * `auto` (default: the keychain where one is usable, else the file).
 *
 * @throws `ConfigurationError` for another value, or `keychain` without a usable keychain.
 */
export async function signInStore(
  environment: Environment,
  profile: string,
): Promise<ProfileSignInStore> {
  const storage = environment.PROXY_AUTH_SIGN_IN_STORAGE || "auto";
  if (storage !== "auto" && storage !== "keychain" && storage !== "file") {
    throw new ConfigurationError(
      'PROXY_AUTH_SIGN_IN_STORAGE must be "auto", "keychain" or "file".',
    );
  }
  const directory = signInDirectory(environment);
  if (storage !== "file") {
    const entry = await keychainEntry(profile);
    if (entry !== undefined) return new SignInKeychainStore(entry, profile, directory);
    if (storage === "keychain") {
      throw new ConfigurationError(
        "PROXY_AUTH_SIGN_IN_STORAGE=keychain, but no OS keychain is usable here (on Linux: no Secret Service on the session bus, or it is locked). Use file.",
      );
    }
  }
  return new SignInFileStore({
    directory,
    profile,
    key: signInFileKey(join(configDirectory(environment), "sign-in.key"), environment),
  });
}

/**
 * Whether `profile` may have a sign-in: its file, or the keychain's marker, is there as a file
 * of this user (one planted by another user in a shared directory does not count). Looked at
 * before any store is opened, so runs with no sign-in never load the keychain binding.
 */
async function maybeSignedIn(environment: Environment, profile: string): Promise<boolean> {
  const directory = signInDirectory(environment);
  for (const path of [signInFilePath(directory, profile), keychainMarkerPath(directory, profile)]) {
    try {
      const stat = await lstat(path);
      if (stat.isFile() && ownedByMe(stat.uid)) return true;
    } catch (error) {
      if ((error as { code?: string }).code !== "ENOENT") throw error;
    }
  }
  return false;
}

/** How to sign in again, for messages. */
export function loginCommandFor(profile: string): string {
  return profile === "default" ? "proxy-auth login" : `proxy-auth login --profile ${profile}`;
}

/** A command's credential, and the scope of a signed-in person's tokens when it is one. */
export interface CommandCredential extends EnvironmentCredential {
  /** The signed-in person's scope (from the sign-in), when the credential is a person. */
  scope?: string;
}

/**
 * The credential of `token`, `serve` and `exec`: the signed-in person of the profile when there
 * is one (or `PROXY_AUTH_CREDENTIAL=person`), else the service credential of the environment
 * (`PROXY_AUTH_CREDENTIAL=oauth2` or `azure` chooses it even with a sign-in).
 *
 * @param options.minValidSeconds - A stored access token with less left is renewed.
 * @throws `ConfigurationError` as `credentialFromEnvironment` does; `CredentialUnavailableError`
 *   when `PROXY_AUTH_CREDENTIAL=person` and no one is signed in.
 */
export async function credentialForCommand(
  environment: Environment,
  options: { profile?: string | undefined; minValidSeconds?: number },
): Promise<CommandCredential> {
  const choice = environment.PROXY_AUTH_CREDENTIAL || undefined;
  const profile = profileName(options.profile, environment);
  if (choice !== undefined && choice !== "person") return credentialFromEnvironment(environment);
  if (choice === undefined && !(await maybeSignedIn(environment, profile))) {
    return credentialFromEnvironment(environment);
  }
  const store = await signInStore(environment, profile);
  const person = await store.load().catch((error: unknown) => {
    throw new CredentialUnavailableError(
      `The sign-in of profile "${profile}" cannot be read (${(error as Error).message}). Run \`${loginCommandFor(profile)}\` again.`,
    );
  });
  if (person === undefined) {
    if (choice === "person") {
      throw new CredentialUnavailableError(
        `No one is signed in (profile "${profile}"). Run \`${loginCommandFor(profile)}\`.`,
      );
    }
    return credentialFromEnvironment(environment);
  }
  const credential = new RefreshTokenCredential({
    store,
    signInAgain: `Run \`${loginCommandFor(profile)}\` again.`,
    ...(options.minValidSeconds === undefined ? {} : { minValidSeconds: options.minValidSeconds }),
  });
  const identity = JSON.stringify([
    "person",
    person.issuer,
    person.clientId,
    person.subject ?? null,
    profile,
  ]);
  return {
    credential,
    description: `the sign-in of ${person.subject ?? "a person"} (profile "${profile}")`,
    identity: async () => identity,
    // The handler needs a scope; a provider that did not say which it granted gets a stand-in.
    scope: person.scope || "signed-in",
  };
}

/**
 * The scope for a signed-in person's handler: `--scope`, else `PROXY_AUTH_SCOPE`, else the
 * sign-in's own; `undefined` when the credential is not a person (then the usual rule applies).
 */
export function personScope(
  flag: string | undefined,
  environment: Environment,
  signedInScope: string | undefined,
): string | undefined {
  if (signedInScope === undefined) return undefined;
  return flag ?? (environment.PROXY_AUTH_SCOPE || signedInScope);
}
