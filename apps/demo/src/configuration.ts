import { AzureADCredential } from "@proxy-auth/azure";
import type { TokenCredential } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";

/** Where the demo gets tokens and sends requests when pointed at a real deployment. */
export interface RealDeployment {
  credential: TokenCredential;
  credentialName: string;
  scope: string;
  apiBase: string;
  model: string;
  embeddingModel: string | undefined;
}

export const HELP = `proxy-auth demo

Usage: pnpm demo [--help] [--timeline FILE.svg]

  --timeline FILE.svg   draw this run's token lifecycle (tokens, refresh windows, grants,
                        each timed request's wait for its header) as an SVG chart

Without configuration, the demo starts an embedded OpenID provider and a JWT-checking
LiteLLM-style proxy on 127.0.0.1 (tokens live a few seconds, so you can watch refreshes) and
walks through the seed: generic OAuth2 → completion, embedding, a streamed completion, a custom
credential, the useLitellmProxy form, and a provider outage. It exits 0 when everything behaved
as expected.

Against your own identity provider and proxy, set:
  LITELLM_PROXY_API_BASE     the proxy, e.g. https://my-proxy.example.com
  PROXY_AUTH_SCOPE           the scope, e.g. api://my-litellm-proxy/.default
  PROXY_AUTH_MODEL           the chat model (default gpt-4)
  PROXY_AUTH_EMBEDDING_MODEL an embedding model (optional)
and either a generic OAuth2 client:
  PROXY_AUTH_TOKEN_URL, PROXY_AUTH_CLIENT_ID, PROXY_AUTH_CLIENT_SECRET
or Entra ID through DefaultAzureCredential:
  AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET (or any other DefaultAzureCredential source)
`;

/** The real deployment named by the environment, or undefined for the embedded one. */
export function realDeployment(given: NodeJS.ProcessEnv): RealDeployment | undefined {
  // An empty variable counts as unset.
  const environment = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== ""));
  const apiBase = environment.LITELLM_PROXY_API_BASE;
  const scope = environment.PROXY_AUTH_SCOPE;
  if (apiBase === undefined && scope === undefined) return undefined;
  if (apiBase === undefined || scope === undefined) {
    throw new Error("Set both LITELLM_PROXY_API_BASE and PROXY_AUTH_SCOPE (see --help).");
  }
  const common = {
    scope,
    apiBase,
    model: environment.PROXY_AUTH_MODEL ?? "gpt-4",
    embeddingModel: environment.PROXY_AUTH_EMBEDDING_MODEL,
  };
  const {
    PROXY_AUTH_TOKEN_URL: tokenUrl,
    PROXY_AUTH_CLIENT_ID: clientId,
    PROXY_AUTH_CLIENT_SECRET: clientSecret,
  } = environment;
  if (tokenUrl !== undefined && clientId !== undefined && clientSecret !== undefined) {
    return {
      ...common,
      credential: new GenericOAuth2Credential({ clientId, clientSecret, tokenUrl }),
      credentialName: "GenericOAuth2Credential",
    };
  }
  if (environment.AZURE_TENANT_ID !== undefined || environment.AZURE_CLIENT_ID !== undefined) {
    return {
      ...common,
      credential: new AzureADCredential(),
      credentialName: "AzureADCredential (DefaultAzureCredential)",
    };
  }
  throw new Error(
    "Set PROXY_AUTH_TOKEN_URL, PROXY_AUTH_CLIENT_ID and PROXY_AUTH_CLIENT_SECRET, or the AZURE_* variables (see --help).",
  );
}
