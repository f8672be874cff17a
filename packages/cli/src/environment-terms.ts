import { ConfigurationError } from "@proxy-auth/core";

/** The variable that sets each `GenericOAuth2Credential` option, for messages. */
export const OPTION_VARIABLES: Readonly<Record<string, string>> = {
  tokenUrl: "PROXY_AUTH_TOKEN_URL",
  issuer: "PROXY_AUTH_ISSUER",
  clientId: "PROXY_AUTH_CLIENT_ID",
  clientSecret: "PROXY_AUTH_CLIENT_SECRET",
  privateKey: "PROXY_AUTH_PRIVATE_KEY_FILE",
  keyId: "PROXY_AUTH_KEY_ID",
  clientAssertion: "PROXY_AUTH_CLIENT_ASSERTION_FILE",
  audience: "PROXY_AUTH_AUDIENCE",
  authMethod: "PROXY_AUTH_AUTH_METHOD",
};

/**
 * A library's configuration error in the words of the command line: the quoted option names
 * (`"tokenUrl"`) become the variables the user set (`PROXY_AUTH_TOKEN_URL`), and the class
 * prefix (`GenericOAuth2Credential: `) goes. Anything else is returned as it is.
 */
export function inEnvironmentTerms(error: unknown): unknown {
  if (!ConfigurationError.isInstance(error)) return error;
  const message = error.message
    .replace(/^GenericOAuth2Credential: /, "")
    .replace(/"(\w+)"/g, (quoted, name: string) => OPTION_VARIABLES[name] ?? quoted);
  return message === error.message ? error : new ConfigurationError(message, { cause: error });
}
