import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { ConfigurationError } from "@proxy-auth/core";
import { privateDirectory, readPrivateFile, writePrivateFile } from "./private-file.js";

type Environment = Record<string, string | undefined>;

/** What a profile remembers: where and how its person signs in. No secret. */
export interface ProfileSettings {
  /** The identity provider's issuer. */
  issuer?: string;
  /** The public client people sign in with. */
  clientId?: string;
  /** The scopes asked for at sign-in, space-separated. */
  scope?: string;
  /** RFC 8707 resource indicators. */
  resource?: string[];
  /** The proxy, for `serve` and `exec`. */
  target?: string;
}

/** The config file is a few kilobytes; a larger one is not ours. */
const MAX_CONFIG_BYTES = 256 * 1024;

/** The profile in use: `--profile`, else `PROXY_AUTH_PROFILE`, else `"default"`. */
export function profileName(flag: string | undefined, environment: Environment): string {
  const name = flag ?? (environment.PROXY_AUTH_PROFILE || "default");
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/.test(name)) {
    throw new ConfigurationError(
      `The profile name ${JSON.stringify(name.slice(0, 80))} is not valid (--profile or PROXY_AUTH_PROFILE): use letters, digits, "-", "_" and "." (at most 64).`,
    );
  }
  return name;
}

/**
 * The configuration directory: `$XDG_CONFIG_HOME/proxy-auth`, or `~/.config/proxy-auth` (a
 * relative `XDG_CONFIG_HOME` is ignored). It holds `config.json` (the profiles) and the sign-in
 * files' key.
 */
export function configDirectory(environment: Environment): string {
  const base = environment.XDG_CONFIG_HOME;
  return join(
    base !== undefined && isAbsolute(base) ? base : join(homedir(), ".config"),
    "proxy-auth",
  );
}

/**
 * The settings of `profile` from `config.json` (`{ "profiles": { NAME: { issuer, clientId,
 * scope, resource, target } } }`); empty when there is no file or no such profile.
 *
 * @throws `ConfigurationError` when the file is not ours to read or not valid.
 */
export async function readProfile(
  environment: Environment,
  profile: string,
): Promise<ProfileSettings> {
  const profiles = await readProfiles(environment);
  return profiles[profile] ?? {};
}

/** Stores `settings` as `profile`'s, keeping the other profiles (atomic, mode 0600). */
export async function writeProfile(
  environment: Environment,
  profile: string,
  settings: ProfileSettings,
): Promise<void> {
  const directory = configDirectory(environment);
  await privateDirectory(directory);
  const profiles = await readProfiles(environment);
  profiles[profile] = settings;
  await writePrivateFile(
    join(directory, "config.json"),
    `${JSON.stringify({ profiles }, null, 2)}\n`,
  );
}

async function readProfiles(environment: Environment): Promise<Record<string, ProfileSettings>> {
  const path = join(configDirectory(environment), "config.json");
  let bytes: Buffer | undefined;
  try {
    bytes = await readPrivateFile(path, MAX_CONFIG_BYTES);
  } catch (error) {
    throw new ConfigurationError(`Cannot read ${path}: ${(error as Error).message}.`);
  }
  if (bytes === undefined) return {};
  try {
    const value = JSON.parse(bytes.toString("utf8")) as { profiles?: unknown };
    const profiles = value.profiles ?? {};
    if (typeof profiles !== "object" || profiles === null || Array.isArray(profiles))
      throw new Error();
    const result: Record<string, ProfileSettings> = {};
    for (const [name, settings] of Object.entries(profiles)) result[name] = checked(settings, name);
    return result;
  } catch (error) {
    if (ConfigurationError.isInstance(error)) throw error;
    throw new ConfigurationError(
      `${path} is not valid JSON of the form { "profiles": { NAME: { issuer, clientId, scope } } }.`,
    );
  }
}

function checked(settings: unknown, name: string): ProfileSettings {
  if (typeof settings !== "object" || settings === null) {
    throw new ConfigurationError(`The profile "${name}" in config.json is not an object.`);
  }
  const { issuer, clientId, scope, resource, target } = settings as Record<string, unknown>;
  const text = (value: unknown, field: string) => {
    if (value === undefined) return undefined;
    if (typeof value !== "string") {
      throw new ConfigurationError(`profiles.${name}.${field} in config.json must be a string.`);
    }
    return value;
  };
  const resources = resource === undefined ? undefined : [resource].flat();
  if (resources?.some((item) => typeof item !== "string")) {
    throw new ConfigurationError(`profiles.${name}.resource in config.json must be strings.`);
  }
  const result: ProfileSettings = {};
  const fields = {
    issuer: text(issuer, "issuer"),
    clientId: text(clientId, "clientId"),
    scope: text(scope, "scope"),
    target: text(target, "target"),
  };
  for (const [field, value] of Object.entries(fields)) {
    if (value !== undefined) result[field as "issuer"] = value;
  }
  if (resources !== undefined) result.resource = resources as string[];
  return result;
}
