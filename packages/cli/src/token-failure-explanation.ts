import {
  type ProxyAuthEvent,
  TokenAcquisitionError,
  type TokenAcquisitionErrorOptions,
} from "@proxy-auth/core";

type Environment = Record<string, string | undefined>;

/** Counts the attempts of the handler's token requests, through its `onEvent`. */
export interface AttemptCounter {
  /** Give this as the handler's `onEvent`. */
  onEvent(event: ProxyAuthEvent): void;
  /** The attempts of the last acquisition that failed (0 before any failed). */
  readonly attempts: number;
}

/** An {@link AttemptCounter}. */
export function createAttemptCounter(): AttemptCounter {
  let attempts = 0;
  return {
    onEvent(event) {
      if (event.type === "token.failed") attempts = event.attempt;
    },
    get attempts() {
      return attempts;
    },
  };
}

/**
 * A failure to get a token, as the command line reports it, in one line: the cause, the
 * attempts made, and which of the variables or flags the user set to check.
 *
 * @param error - What the handler rejected with.
 * @param attempts - How many token requests were made.
 * @param environment - The variables the user set.
 * @param scopeFlag - `--scope`, when given.
 */
export function explainTokenFailure(
  error: unknown,
  attempts: number,
  environment: Environment,
  scopeFlag: string | undefined,
): unknown {
  if (!TokenAcquisitionError.isInstance(error)) return error;
  const tried = attempts > 1 ? ` (${attempts} attempts)` : attempts === 1 ? " (1 attempt)" : "";
  const hint = settingsToCheck(error, environment, scopeFlag);
  const options: TokenAcquisitionErrorOptions = { retryable: error.retryable, cause: error };
  if (error.status !== undefined) options.status = error.status;
  if (error.oauthError !== undefined) options.oauthError = error.oauthError;
  if (error.retryAfterSeconds !== undefined) options.retryAfterSeconds = error.retryAfterSeconds;
  return new TokenAcquisitionError(
    `${error.message.replace(/\.?\s*$/, "")}${tried}.${hint === undefined ? "" : ` ${hint}`}`,
    options,
  );
}

/** Which settings to check for a provider's answer, named as the user set them. */
function settingsToCheck(
  error: TokenAcquisitionError,
  environment: Environment,
  scopeFlag: string | undefined,
): string | undefined {
  const set = (name: string) => environment[name] !== undefined && environment[name] !== "";
  const scope = scopeFlag !== undefined ? "--scope" : "PROXY_AUTH_SCOPE";
  const azure = !["PROXY_AUTH_TOKEN_URL", "PROXY_AUTH_ISSUER", "PROXY_AUTH_CLIENT_ID"].some(set);
  switch (error.oauthError) {
    case "invalid_client":
    case "unauthorized_client": {
      if (azure)
        return "Check AZURE_TENANT_ID, AZURE_CLIENT_ID and the client's secret or certificate.";
      const authentication = set("PROXY_AUTH_PRIVATE_KEY_FILE")
        ? "PROXY_AUTH_PRIVATE_KEY_FILE (the key the provider has registered)"
        : set("PROXY_AUTH_CLIENT_ASSERTION_FILE")
          ? "PROXY_AUTH_CLIENT_ASSERTION_FILE (the assertion the provider trusts)"
          : "PROXY_AUTH_CLIENT_SECRET";
      return `Check PROXY_AUTH_CLIENT_ID and ${authentication}.`;
    }
    case "invalid_scope":
      return `Check the scope (${scope}): the provider does not grant it to this client.`;
    case "invalid_target":
      return set("PROXY_AUTH_AUDIENCE")
        ? "Check PROXY_AUTH_AUDIENCE: the provider does not know that audience."
        : `Check the scope (${scope}) or set PROXY_AUTH_AUDIENCE.`;
  }
  if (error.status === undefined && !azure) {
    // Not reached (network error or timeout): the address is the thing to check.
    return `Check ${set("PROXY_AUTH_ISSUER") ? "PROXY_AUTH_ISSUER" : "PROXY_AUTH_TOKEN_URL"}.`;
  }
  return undefined;
}
