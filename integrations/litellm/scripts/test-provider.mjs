// Starts the repository's test identity provider (a real oidc-provider on 127.0.0.1) for trying
// proxy_auth_litellm without a provider of your own, and prints the variables for the proxy's
// shell and the client's. Runs until Ctrl-C. Usage: pnpm --filter @proxy-auth/litellm-integration test-provider

import { DEFAULT_CLIENT, startIdentityProvider } from "@proxy-auth/testing";

const idp = await startIdentityProvider();
console.log(`# The proxy's shell (before litellm --config ...):
export PROXY_AUTH_ISSUER=${idp.issuer} PROXY_AUTH_AUDIENCE=${idp.audience}

# The client's shell:
export PROXY_AUTH_TOKEN_URL=${idp.tokenUrl} PROXY_AUTH_SCOPE=litellm_proxy_api
export PROXY_AUTH_CLIENT_ID=${DEFAULT_CLIENT.clientId} PROXY_AUTH_CLIENT_SECRET=${DEFAULT_CLIENT.clientSecret}

The test provider runs at ${idp.issuer}; Ctrl-C stops it.`);
const stop = async () => {
  await idp.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
