import { ConfigurationError } from "@proxy-auth/core";
import { functionOption, numberOption } from "@proxy-auth/core/internal";

/** How a credential's token requests are sent and read, checked once for every credential. */
export interface TokenRequestTransport {
  timeoutMs: number;
  maxResponseBytes: number;
  fetch: typeof fetch;
  now: () => number;
}

/**
 * The transport options every token-endpoint credential takes: `timeoutMs` (default 10 s),
 * `maxResponseBytes` (default 1 MiB), `fetch` and `now`.
 *
 * @throws ConfigurationError naming `owner` and the option to fix.
 */
export function tokenRequestTransport(
  owner: string,
  given: { timeoutMs?: unknown; maxResponseBytes?: unknown; fetch?: unknown; now?: unknown },
): TokenRequestTransport {
  const timeoutMs = numberOption(owner, "timeoutMs", given.timeoutMs, 10_000, { minimum: 1 });
  const maxResponseBytes = numberOption(
    owner,
    "maxResponseBytes",
    given.maxResponseBytes,
    1_048_576,
    {
      minimum: 1,
      integer: true,
    },
  );
  const transport = given.fetch ?? globalThis.fetch;
  if (typeof transport !== "function") {
    throw new ConfigurationError(
      `${owner}: no fetch is available; pass one as the "fetch" option.`,
    );
  }
  const now = functionOption(owner, "now", given.now, Date.now);
  return {
    timeoutMs,
    maxResponseBytes,
    fetch: transport as typeof fetch,
    now: now as () => number,
  };
}

/**
 * `extraParams` as form parameters: strings only, and none that an option of the credential
 * (or the handler's scope) already sets.
 *
 * @throws ConfigurationError naming `owner` and the parameter.
 */
export function extraParameters(
  owner: string,
  extraParams: unknown,
  reserved: ReadonlySet<string>,
): [string, string][] {
  if (extraParams === undefined) return [];
  if (typeof extraParams !== "object" || extraParams === null) {
    throw new ConfigurationError(`${owner}: "extraParams" must be an object of strings.`);
  }
  return Object.entries(extraParams).map(([name, value]): [string, string] => {
    if (reserved.has(name)) {
      throw new ConfigurationError(
        `${owner}: "extraParams" cannot set "${name}"; use the option of that name (the scope comes from the ProxyAuthHandler).`,
      );
    }
    if (typeof value !== "string") {
      throw new ConfigurationError(`${owner}: extraParams.${name} must be a string.`);
    }
    return [name, value];
  });
}
