import { ConfigurationError } from "@proxy-auth/core";
import {
  actAsPerson,
  DEFAULT_SIGN_IN_CLIENT,
  type IdentityProvider,
  startIdentityProvider,
  startMockProxy,
  startProtectedResource,
} from "@proxy-auth/testing";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverProtectedResource } from "./discover-protected-resource.js";
import { signInWithBrowser } from "./sign-in-with-browser.js";

let idp: IdentityProvider;
/** The provider's audiences: each gateway's address joins them once it listens. */
const audiences = ["https://litellm-proxy.test"];
beforeAll(async () => {
  idp = await startIdentityProvider({ signInClients: [DEFAULT_SIGN_IN_CLIENT], audiences });
});
afterAll(() => idp.close());

describe("discoverProtectedResource (RFC 9728)", () => {
  it.each(["well-known", "challenge"] as const)(
    "finds the issuer, scopes and resource from the gateway's address (%s)",
    async (publish) => {
      const gateway = await startProtectedResource({
        authorizationServers: [idp.issuer],
        scopes: ["litellm_proxy_api"],
        publish,
      });
      try {
        expect(await discoverProtectedResource(gateway.url)).toEqual({
          resource: gateway.url,
          authorizationServers: [idp.issuer],
          scopes: ["litellm_proxy_api"],
        });
      } finally {
        await gateway.close();
      }
    },
  );

  it("a gateway that publishes nothing gives undefined", async () => {
    const proxy = await startMockProxy({ jwksUrl: idp.jwksUrl });
    try {
      expect(await discoverProtectedResource(proxy.url)).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  it("metadata that speaks for another resource is refused", async () => {
    const gateway = await startProtectedResource({
      authorizationServers: [idp.issuer],
      resource: "https://elsewhere.example.com",
    });
    try {
      const error = await discoverProtectedResource(gateway.url).catch((caught: unknown) => caught);
      expect(ConfigurationError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/another resource/);
    } finally {
      await gateway.close();
    }
  });

  it("the discovered resource goes out as RFC 8707 resource: the token's audience is the gateway", async () => {
    const gateway = await startProtectedResource({
      authorizationServers: [idp.issuer],
      scopes: ["litellm_proxy_api"],
    });
    audiences.push(gateway.url);
    try {
      const found = await discoverProtectedResource(gateway.url);
      let browser: Promise<unknown> | undefined;
      const person = await signInWithBrowser({
        issuer: found?.authorizationServers[0] as string,
        clientId: DEFAULT_SIGN_IN_CLIENT.clientId,
        scope: ["openid", ...(found?.scopes ?? [])].join(" "),
        resource: found?.resource as string,
        openUrl: (url) => {
          browser = actAsPerson(url, { login: "ada" });
        },
      });
      await browser;
      expect(decodeJwt(person.accessToken.token)).toMatchObject({
        sub: "ada",
        aud: gateway.url,
      });
    } finally {
      await gateway.close();
    }
  });
});
