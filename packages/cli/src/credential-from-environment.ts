import { resolve } from "node:path";
import { ConfigurationError, type TokenCredential } from "@proxy-auth/core";
import {
  clientAssertionFromFile,
  GenericOAuth2Credential,
  type GenericOAuth2CredentialOptions,
} from "@proxy-auth/oauth2";
import { dpopFromEnvironment, refuseDPoPForAzure } from "./dpop-environment.js";
import { inEnvironmentTerms } from "./environment-terms.js";
import { lazyAzureCredential } from "./lazy-azure-credential.js";
import { readSecretFileSync } from "./read-secret-file.js";

/** The environment variables read by {@link credentialFromEnvironment}, for help texts. */
export const CREDENTIAL_ENVIRONMENT_HELP = `A generic OAuth2 client (client_credentials) → GenericOAuth2Credential:
  PROXY_AUTH_TOKEN_URL               the token endpoint (https; http only for loopback),
    or PROXY_AUTH_ISSUER               the issuer, whose token endpoint is discovered
  PROXY_AUTH_CLIENT_ID               the client id
  and exactly one of:
  PROXY_AUTH_CLIENT_SECRET           the client secret
  PROXY_AUTH_PRIVATE_KEY_FILE        a PKCS#8 PEM private key (private_key_jwt),
    PROXY_AUTH_KEY_ID                  with its key id (optional)
  PROXY_AUTH_CLIENT_ASSERTION_FILE   a JWT issued by someone else (Kubernetes, CI), read anew
                                     for every token request
  PROXY_AUTH_AUDIENCE, PROXY_AUTH_AUTH_METHOD   optional (client_secret_post | client_secret_basic)
  PROXY_AUTH_DPOP=true               DPoP-bound tokens (serve and exec only)
Or Entra ID through DefaultAzureCredential → AzureADCredential (needs @proxy-auth/azure installed):
  AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET (or any other DefaultAzureCredential
  source; PROXY_AUTH_CREDENTIAL=azure selects it when no AZURE_* variable is set, e.g. for a
  managed identity or the Azure CLI's login)`;

/** A credential made from environment variables, with what identifies it. */
export interface EnvironmentCredential {
  /** The credential, ready for a `ProxyAuthHandler`. */
  credential: TokenCredential;
  /** What it is, for messages: e.g. `"GenericOAuth2Credential (client secret)"`. Never a secret. */
  description: string;
  /**
   * What identifies the tokens this credential gets (with the scope added, a cache key): the
   * credential's `cacheKey()` where it has one, else the non-secret variables that choose the
   * identity. Never a secret.
   */
  identity(): Promise<string>;
}

/**
 * The options {@link credentialFromEnvironment} gives `GenericOAuth2Credential`: one of
 * `clientSecret`, `privateKey` (+ `keyId`) or `clientAssertion`.
 */
export type OAuth2EnvironmentOptions = GenericOAuth2CredentialOptions & {
  /** The PEM text of `PROXY_AUTH_PRIVATE_KEY_FILE`. */
  privateKey?: string;
};

/** Environment variables by name, as `process.env` has them. */
export type Environment = Record<string, string | undefined>;

/** The variables that make DefaultAzureCredential the choice. */
const AZURE_VARIABLES = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"];
const CLIENT_AUTHENTICATIONS = [
  "PROXY_AUTH_CLIENT_SECRET",
  "PROXY_AUTH_PRIVATE_KEY_FILE",
  "PROXY_AUTH_CLIENT_ASSERTION_FILE",
] as const;
const OAUTH2_VARIABLES = [
  "PROXY_AUTH_TOKEN_URL",
  "PROXY_AUTH_ISSUER",
  "PROXY_AUTH_CLIENT_ID",
  ...CLIENT_AUTHENTICATIONS,
];

/**
 * Turns an environment into a credential: a generic OAuth2 client from the `PROXY_AUTH_*`
 * variables (client secret, private key file or client assertion file), otherwise Entra ID
 * through `DefaultAzureCredential` from the `AZURE_*` variables. Empty variables count as unset.
 * The `proxy-auth` command and the demo both configure themselves with it.
 *
 * @example
 * ```ts
 * const { credential } = credentialFromEnvironment(process.env);
 * const handler = new ProxyAuthHandler({ credential, scope: process.env.PROXY_AUTH_SCOPE! });
 * ```
 * @throws `ConfigurationError` naming the variable to set or fix.
 */
export function credentialFromEnvironment(environment: Environment): EnvironmentCredential {
  const variables = withoutEmpty(environment);
  const choice = variables.PROXY_AUTH_CREDENTIAL;
  if (choice !== undefined && choice !== "oauth2" && choice !== "azure") {
    throw new ConfigurationError('PROXY_AUTH_CREDENTIAL must be "oauth2" or "azure".');
  }
  const oauth2 = OAUTH2_VARIABLES.some((name) => variables[name] !== undefined);
  if (choice === "oauth2" || (choice === undefined && oauth2)) {
    const options = oauth2OptionsFromEnvironment(variables);
    let credential: GenericOAuth2Credential;
    try {
      credential = new GenericOAuth2Credential(options);
    } catch (error) {
      throw inEnvironmentTerms(error);
    }
    const form =
      options.clientSecret !== undefined
        ? "client secret"
        : options.privateKey !== undefined
          ? "private key"
          : "client assertion file";
    return {
      credential,
      description: `GenericOAuth2Credential (${form})`,
      identity: async () => {
        const key = await credential.cacheKey?.();
        return (
          key ??
          JSON.stringify(["oauth2", options.tokenUrl ?? options.issuer, options.clientId, form])
        );
      },
    };
  }
  if (choice === "azure" || AZURE_VARIABLES.some((name) => variables[name] !== undefined)) {
    refuseDPoPForAzure(variables.PROXY_AUTH_DPOP);
    const identity = JSON.stringify([
      "azure",
      ...["AZURE_AUTHORITY_HOST", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_USERNAME"].map(
        (name) => variables[name] ?? null,
      ),
    ]);
    return {
      credential: lazyAzureCredential(),
      description: "AzureADCredential (DefaultAzureCredential)",
      identity: async () => identity,
    };
  }
  throw new ConfigurationError(
    "No credential is configured: set PROXY_AUTH_TOKEN_URL, PROXY_AUTH_CLIENT_ID and PROXY_AUTH_CLIENT_SECRET (or PROXY_AUTH_PRIVATE_KEY_FILE, or PROXY_AUTH_CLIENT_ASSERTION_FILE), or the AZURE_* variables of DefaultAzureCredential.",
  );
}

/**
 * The `GenericOAuth2Credential` options named by the `PROXY_AUTH_*` variables (a private key
 * file is read here; an assertion file on every token request).
 *
 * @throws `ConfigurationError` naming the missing or conflicting variable.
 */
export function oauth2OptionsFromEnvironment(environment: Environment): OAuth2EnvironmentOptions {
  const variables = withoutEmpty(environment);
  const required = (name: string) => {
    const value = variables[name];
    if (value === undefined) {
      throw new ConfigurationError(`${name} is not set (needed for a generic OAuth2 client).`);
    }
    return value;
  };
  const { PROXY_AUTH_TOKEN_URL: tokenUrl, PROXY_AUTH_ISSUER: issuer } = variables;
  if (tokenUrl !== undefined && issuer !== undefined) {
    throw new ConfigurationError(
      "Set PROXY_AUTH_TOKEN_URL or PROXY_AUTH_ISSUER (discovery), not both.",
    );
  }
  const clientId = required("PROXY_AUTH_CLIENT_ID");
  const given = CLIENT_AUTHENTICATIONS.filter((name) => variables[name] !== undefined);
  if (given.length !== 1) {
    throw new ConfigurationError(
      given.length === 0
        ? `Set one of ${CLIENT_AUTHENTICATIONS.join(", ")} (how the client authenticates).`
        : `Set only one of ${given.join(", ")}.`,
    );
  }
  const options: OAuth2EnvironmentOptions =
    issuer !== undefined
      ? { clientId, issuer }
      : { clientId, tokenUrl: required("PROXY_AUTH_TOKEN_URL") };
  const { PROXY_AUTH_AUDIENCE: audience, PROXY_AUTH_AUTH_METHOD: authMethod } = variables;
  if (audience !== undefined) options.audience = audience;
  if (dpopFromEnvironment(variables.PROXY_AUTH_DPOP)) options.dpop = true;
  if (authMethod !== undefined) {
    options.authMethod = authMethod as GenericOAuth2CredentialOptions["authMethod"];
  }
  const {
    PROXY_AUTH_CLIENT_SECRET: clientSecret,
    PROXY_AUTH_PRIVATE_KEY_FILE: keyFile,
    PROXY_AUTH_KEY_ID: keyId,
    PROXY_AUTH_CLIENT_ASSERTION_FILE: assertionFile,
  } = variables;
  if (keyId !== undefined && keyFile === undefined) {
    throw new ConfigurationError("PROXY_AUTH_KEY_ID is set without PROXY_AUTH_PRIVATE_KEY_FILE.");
  }
  if (clientSecret !== undefined) options.clientSecret = clientSecret;
  if (keyFile !== undefined) {
    options.privateKey = readSecretFileSync(keyFile, "PROXY_AUTH_PRIVATE_KEY_FILE");
    if (keyId !== undefined) options.keyId = keyId;
  }
  if (assertionFile !== undefined) {
    // Fail now on a path that cannot be read; oauth2's token source reads it again for every
    // request (it rotates), with its own size limit and errors.
    readSecretFileSync(assertionFile, "PROXY_AUTH_CLIENT_ASSERTION_FILE");
    // Absolute: the file's path is the identity of the tokens it gets (the token cache's key).
    options.clientAssertion = clientAssertionFromFile(resolve(assertionFile));
  }
  return options;
}

function withoutEmpty(environment: Environment): Environment {
  return Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value !== undefined && value !== ""),
  );
}
