import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CLIENT, type IdentityProvider, startIdentityProvider } from "../src/index.js";

let idp: IdentityProvider;
beforeAll(async () => {
  idp = await startIdentityProvider({
    audience: "https://litellm-proxy.test",
    audiences: ["https://litellm-proxy.test", "https://other-proxy.test"],
  });
});
afterAll(() => idp.close());

/** A client_credentials request straight to the token endpoint, as any client would send it. */
async function grant(params: Record<string, string>) {
  const response = await fetch(idp.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: DEFAULT_CLIENT.clientId,
      client_secret: DEFAULT_CLIENT.clientSecret,
      ...params,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe("the test identity provider enforces what it registered", () => {
  it("refuses an unregistered scope with invalid_scope, and issues nothing", async () => {
    const issued = idp.tokensIssued;
    const { status, body } = await grant({ scope: "litellm_proxy_api not-registered" });
    expect(status).toBe(400);
    expect(body.error).toBe("invalid_scope");
    expect(body.error_description).toContain('"not-registered" is not registered');
    expect(body.access_token).toBeUndefined();
    expect(idp.tokensIssued).toBe(issued);
    expect((await grant({ scope: "litellm_proxy_api" })).status).toBe(200);
  });

  it("refuses an unknown audience or resource with invalid_target", async () => {
    for (const name of ["audience", "resource"]) {
      const { status, body } = await grant({
        scope: "litellm_proxy_api",
        [name]: "https://wrong.test",
      });
      expect(status).toBe(400);
      expect(body.error).toBe("invalid_target");
      expect(body.error_description).toContain(`The ${name} "https://wrong.test"`);
    }
  });

  it("issues tokens for the audience asked for (Auth0's audience parameter too), else its own", async () => {
    const audienceOf = async (params: Record<string, string>) =>
      decodeJwt((await grant({ scope: "litellm_proxy_api", ...params })).body.access_token ?? "")
        .aud;
    expect(await audienceOf({})).toBe("https://litellm-proxy.test");
    expect(await audienceOf({ audience: "https://other-proxy.test" })).toBe(
      "https://other-proxy.test",
    );
    expect(await audienceOf({ resource: "https://other-proxy.test" })).toBe(
      "https://other-proxy.test",
    );
  });
});
