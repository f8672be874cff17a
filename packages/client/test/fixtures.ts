import { ProxyAuthHandler, type ProxyAuthHandlerOptions } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type MockProxy,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";

/** A real identity provider and a JWT-checking proxy, as a user's deployment has them. */
export interface Deployment {
  idp: IdentityProvider;
  proxy: MockProxy;
  handler(options?: Partial<ProxyAuthHandlerOptions>): ProxyAuthHandler;
  close(): Promise<void>;
}

export async function startDeployment(): Promise<Deployment> {
  const idp = await startIdentityProvider();
  const proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
    requiredScope: "litellm_proxy_api",
  });
  return {
    idp,
    proxy,
    handler: (options = {}) =>
      new ProxyAuthHandler({
        credential: new GenericOAuth2Credential({
          clientId: DEFAULT_CLIENT.clientId,
          clientSecret: DEFAULT_CLIENT.clientSecret,
          tokenUrl: idp.tokenUrl,
        }),
        scope: "litellm_proxy_api",
        logger: { warn: () => {} },
        ...options,
      }),
    close: async () => {
      await proxy.close();
      await idp.close();
    },
  };
}

export const hello = { model: "gpt-4", messages: [{ role: "user" as const, content: "Hello!" }] };
