import { ConfigurationError } from "@proxy-auth/core";
import { httpUrlOption } from "@proxy-auth/core/internal";

type Environment = Record<string, string | undefined>;

/** What every command is given: the environment and where to write. */
export interface CommandContext {
  /** The environment variables (`process.env` for the bin). */
  environment: Environment;
  /** Where the token goes. */
  stdout: { write(text: string): unknown };
  /** Where logs go. */
  stderr: { write(text: string): unknown };
}

/**
 * The scope: `--scope`, else `PROXY_AUTH_SCOPE`.
 *
 * @throws `ConfigurationError` naming both when neither is set.
 */
export function scopeSetting(flag: string | undefined, environment: Environment): string {
  const scope = flag ?? nonEmpty(environment.PROXY_AUTH_SCOPE);
  if (scope === undefined || scope.trim() === "") {
    throw new ConfigurationError("PROXY_AUTH_SCOPE is not set (or pass --scope).");
  }
  return scope;
}

/**
 * Where the forwarder sends requests: `--target`, else `PROXY_AUTH_TARGET`, else
 * `LITELLM_PROXY_API_BASE`; an http(s) URL without credentials, query or fragment.
 *
 * @throws `ConfigurationError` naming the setting.
 */
export function targetSetting(flag: string | undefined, environment: Environment): URL {
  const [name, value] =
    flag !== undefined
      ? ["--target", flag]
      : nonEmpty(environment.PROXY_AUTH_TARGET) !== undefined
        ? ["PROXY_AUTH_TARGET", environment.PROXY_AUTH_TARGET as string]
        : ["LITELLM_PROXY_API_BASE", nonEmpty(environment.LITELLM_PROXY_API_BASE)];
  if (value === undefined) {
    throw new ConfigurationError(
      "PROXY_AUTH_TARGET is not set (or LITELLM_PROXY_API_BASE, or pass --target): the proxy to forward to.",
    );
  }
  return httpUrlOption(name, value, { bare: true, example: "https://litellm.example.com" });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === "" ? undefined : value;
}
