import { CREDENTIAL_ENVIRONMENT_HELP, credentialFromEnvironment } from "@proxy-auth/cli";
import type { TokenCredential } from "@proxy-auth/core";

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

Usage: pnpm demo [--help] [--timeline FILE.svg] [--litellm]

  --timeline FILE.svg   draw this run's token lifecycle (tokens, refresh windows, grants,
                        each timed request's wait for its header) as an SVG chart
  --litellm             use the real LiteLLM proxy instead of the JWT-checking stand-in, with
                        proxy_auth_litellm (integrations/litellm) verifying every token; needs
                        the LiteLLM venv of tests/litellm-interop (\`pnpm test:litellm\` installs
                        it once); PROXY_AUTH_LITELLM_RELEASE=newest picks LiteLLM 1.108.7

Without configuration, the demo starts an embedded OpenID provider and a JWT-checking
LiteLLM-style proxy on 127.0.0.1 (tokens live a few seconds, so you can watch refreshes) and
walks through LiteLLM's proxy_auth documentation: generic OAuth2 → completion, embedding, a streamed completion, a custom
credential, the useLitellmProxy form, and a provider outage. It exits 0 when everything behaved
as expected.

Against your own identity provider and proxy, set:
  LITELLM_PROXY_API_BASE     the proxy, e.g. https://my-proxy.example.com
  PROXY_AUTH_SCOPE           the scope, e.g. api://my-litellm-proxy/.default
  PROXY_AUTH_MODEL           the chat model (default gpt-4)
  PROXY_AUTH_EMBEDDING_MODEL an embedding model (optional)
and the credential, as for the proxy-auth command:
${CREDENTIAL_ENVIRONMENT_HELP}
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
  // The same rules as the proxy-auth command: one module turns an environment into a credential.
  const { credential, description } = credentialFromEnvironment(environment);
  return { ...common, credential, credentialName: description };
}
