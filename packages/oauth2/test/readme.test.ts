import { readFileSync } from "node:fs";
import { ProxyAuthHandler } from "@proxy-auth/core";
import { type IdentityProvider, startIdentityProvider, startMockProxy } from "@proxy-auth/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenericOAuth2Credential } from "../src/index.js";

// The README's provider examples run as written, with only the provider's host swapped for the
// loopback identity provider, whose clients carry the README's ids, secrets and auth methods.
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

function example(heading: string): string {
  const section = readme.split(`### ${heading}\n`)[1];
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (code === undefined) throw new Error(`README has no ${heading} example`);
  return code;
}

const cases = [
  {
    heading: "Keycloak",
    variable: "keycloak",
    clientId: "litellm-client",
    clientSecret: "your-keycloak-client-secret",
    authMethod: "client_secret_basic",
    scope: "openid",
  },
  {
    heading: "Okta",
    variable: "okta",
    clientId: "your-okta-client-id",
    clientSecret: "your-okta-client-secret",
    authMethod: "client_secret_basic",
    scope: "litellm_api",
  },
  {
    heading: "Auth0",
    variable: "auth0",
    clientId: "your-auth0-client-id",
    clientSecret: "your-auth0-client-secret",
    authMethod: "client_secret_post",
    scope: "https://my-proxy.example.com/api",
  },
] as const;

let idp: IdentityProvider;
beforeAll(async () => {
  idp = await startIdentityProvider({
    clients: cases.map(({ clientId, clientSecret, authMethod }) => ({
      clientId,
      clientSecret,
      authMethod,
    })),
    scopes: ["openid", "litellm_api", "https://my-proxy.example.com/api"],
    // Auth0's example names its API as the audience: the provider must know it.
    audiences: ["https://litellm-proxy.test", "https://my-proxy.example.com/api"],
  });
});
afterAll(() => idp.close());

describe("the README's provider examples", () => {
  it.each(cases)("$heading works as written", async ({ heading, variable, authMethod, scope }) => {
    const code = example(heading).replace(
      /tokenUrl: "https:\/\/[^"]+"/,
      `tokenUrl: ${JSON.stringify(idp.tokenUrl)}`,
    );
    const run = new Function(
      "ProxyAuthHandler",
      "GenericOAuth2Credential",
      `${code}\nreturn ${variable};`,
    );
    const handler = run(ProxyAuthHandler, GenericOAuth2Credential) as ProxyAuthHandler;
    const proxy = await startMockProxy({
      jwksUrl: idp.jwksUrl,
      issuer: idp.issuer,
      requiredScope: scope,
    });
    try {
      const response = await fetch(`${proxy.url}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(await handler.getAuthHeaders()) },
        body: JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] }),
      });
      expect(response.status).toBe(200);
    } finally {
      await proxy.close();
    }
    const request = idp.tokenRequests.at(-1);
    expect(request?.authMethod).toBe(authMethod);
    expect(request?.params.scope).toBe(scope);
    if (heading === "Auth0")
      expect(request?.params.audience).toBe("https://my-proxy.example.com/api");
  });
});
