import { ConfigurationError, type TokenCredential } from "@proxy-auth/core";

/** What the CLI needs of `@proxy-auth/azure`. */
export interface AzureModule {
  AzureADCredential: new () => TokenCredential;
}

/** The advice when `@proxy-auth/azure` is not installed. */
export const AZURE_INSTALL_ADVICE =
  "The AZURE_* settings (or PROXY_AUTH_CREDENTIAL=azure) use Entra ID through @proxy-auth/azure, which is not installed: npm install @proxy-auth/azure next to @proxy-auth/cli (it brings @azure/identity), or configure a generic OAuth2 client with the PROXY_AUTH_* variables.";

/**
 * `AzureADCredential` (DefaultAzureCredential), loaded on the first token request: the command
 * line's users who never touch Entra ID need neither `@proxy-auth/azure` nor `@azure/identity`
 * (an optional peer dependency, whose engine range is narrower than the CLI's).
 *
 * @param load - Imports `@proxy-auth/azure` (replaced in tests).
 * @throws `ConfigurationError` saying what to install when the package is missing.
 */
export function lazyAzureCredential(
  load: () => Promise<AzureModule> = () =>
    import("@proxy-auth/azure") as unknown as Promise<AzureModule>,
): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scope, options) {
      credential ??= load().then(
        (azure) => new azure.AzureADCredential(),
        (error: unknown) => {
          credential = undefined;
          throw isMissingPackage(error)
            ? new ConfigurationError(AZURE_INSTALL_ADVICE, { cause: error })
            : error;
        },
      );
      return (await credential).getToken(scope, options);
    },
  };
}

function isMissingPackage(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
    typeof message === "string" &&
    message.includes("@proxy-auth/azure")
  );
}
