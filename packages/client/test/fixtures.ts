import { ProxyAuthHandler, type ProxyAuthHandlerOptions } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type MockProxy,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";
import { afterAll, beforeAll, beforeEach } from "vitest";

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

/**
 * The deployment of a test file: started before its tests, closed after them, its faults and
 * records cleared before each test. Read its fields inside tests (they exist once it started).
 */
export function useDeployment(): Deployment {
  let started: Deployment | undefined;
  const current = () => {
    if (started === undefined) throw new Error("the deployment starts in beforeAll");
    return started;
  };
  beforeAll(async () => {
    started = await startDeployment();
  });
  afterAll(() => started?.close());
  beforeEach(() => {
    current().proxy.clearFaults();
    current().idp.clearFaults();
    current().proxy.resetRecords();
  });
  return {
    get idp() {
      return current().idp;
    },
    get proxy() {
      return current().proxy;
    },
    handler: (options) => current().handler(options),
    close: () => current().close(),
  };
}
