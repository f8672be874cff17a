import {
  CredentialUnavailableError,
  isRetryableStatus,
  redact,
  TokenAcquisitionError,
} from "@proxy-auth/core";

interface AzureErrorShape {
  name?: string;
  message?: string;
  /** AuthenticationError's HTTP status. */
  statusCode?: number;
  /** MSAL's ServerError's HTTP status. */
  status?: number;
  errorResponse?: { error?: string; errorDescription?: string };
  /** MSAL's OAuth error code. */
  errorCode?: string;
  errors?: unknown[];
  cause?: unknown;
}

/**
 * The HTTP status and OAuth error behind an Azure error. azure-identity wraps MSAL's errors
 * (e.g. a 503 arrives as an AuthenticationRequiredError whose cause is MSAL's ServerError), so
 * the cause chain is searched.
 */
function details(error: AzureErrorShape): { status?: number; oauthError?: string } {
  for (let current: AzureErrorShape | undefined = error, depth = 0; current && depth < 4; depth++) {
    const status = current.statusCode ?? current.status;
    if (typeof status === "number") {
      const oauthError = current.errorResponse?.error ?? current.errorCode;
      return { status, ...(oauthError ? { oauthError } : {}) };
    }
    current =
      typeof current.cause === "object" && current.cause !== null
        ? (current.cause as AzureErrorShape)
        : undefined;
  }
  return {};
}

/**
 * Azure's error as our `cause`: its name and its text, bounded and redacted like ours. Not the
 * Azure error itself: its message, its MSAL cause and its response can carry what Entra echoed
 * back, secrets and tokens included.
 */
function causeOf(azure: AzureErrorShape, redactedMessage: string): Error {
  const cause = new Error(redactedMessage);
  cause.name = azure.name ?? "Error";
  return cause;
}

/** The azure-identity credentials an error's message names (`EnvironmentCredential`, …). */
function sourcesNamed(errors: AzureErrorShape[]): string[] {
  const names = errors.flatMap(
    (error) => (error.message ?? "").match(/\b[A-Z]\w*Credential\b/g) ?? [],
  );
  return [...new Set(names)];
}

/**
 * Turns what an azure-identity credential threw into a `TokenAcquisitionError` that says which
 * credential failed and why, keeping Azure's error (name and redacted text) as `cause` — or, when no identity is
 * configured where this runs (every source unavailable), a `CredentialUnavailableError` that
 * names the sources tried. Errors are recognised by `name` (not `instanceof`), so any installed
 * version of `@azure/identity` works. The Azure message carries Entra's text: it is bounded and
 * redacted (JWTs, long opaque strings) before it enters ours, and so is the OAuth error code.
 */
export function fromAzureError(
  error: unknown,
  credentialName: string,
  scope: string,
): TokenAcquisitionError | CredentialUnavailableError {
  const azure = (typeof error === "object" && error !== null ? error : {}) as AzureErrorShape;
  const message = redact(azure.message ?? String(error), { maxLength: 1_000 });
  const inner = (azure.errors ?? []) as AzureErrorShape[];
  const unavailable =
    azure.name === "CredentialUnavailableError" ||
    (azure.name === "AggregateAuthenticationError" &&
      inner.length > 0 &&
      inner.every((item) => item.name === "CredentialUnavailableError"));
  if (unavailable) {
    const sources = sourcesNamed(inner.length > 0 ? inner : [azure]).filter(
      (name) => name !== credentialName,
    );
    const tried = sources.length === 0 ? "" : ` (tried: ${sources.join(", ")})`;
    return new CredentialUnavailableError(
      `${credentialName} found no identity configured in this environment${tried}, so no token for scope "${scope}". Configure one of them (for example AZURE_CLIENT_ID with AZURE_FEDERATED_TOKEN_FILE or a managed identity), or pass a credential. ${message}`,
      { cause: causeOf(azure, message) },
    );
  }
  switch (azure.name) {
    case "AggregateAuthenticationError": {
      return new TokenAcquisitionError(
        `${credentialName} could not get a token for scope "${scope}"; every credential in the chain failed: ${message}`,
        {
          retryable: inner.some((item) => isRetryableStatus(details(item).status)),
          cause: causeOf(azure, message),
        },
      );
    }
    default: {
      // AuthenticationError, or MSAL's errors wrapped by azure-identity.
      const { status, oauthError: code } = details(azure);
      const oauthError = code === undefined ? undefined : redact(code, { maxLength: 100 });
      const detail =
        status === undefined ? "" : ` (HTTP ${status}${oauthError ? ` ${oauthError}` : ""})`;
      return new TokenAcquisitionError(
        `${credentialName} failed to get a token for scope "${scope}"${detail}: ${message}`,
        {
          retryable: isRetryableStatus(status),
          ...(status === undefined ? {} : { status }),
          ...(oauthError ? { oauthError } : {}),
          cause: causeOf(azure, message),
        },
      );
    }
  }
}
