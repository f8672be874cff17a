import { ConfigurationError, TokenAcquisitionError } from "@proxy-auth/core";
import {
  actAsPerson,
  DEFAULT_SIGN_IN_CLIENT,
  type IdentityProvider,
  type PersonOutcome,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInWithBrowser } from "./sign-in-with-browser.js";

let idp: IdentityProvider;
beforeAll(async () => {
  idp = await startIdentityProvider({ signInClients: [DEFAULT_SIGN_IN_CLIENT] });
});
afterAll(() => idp.close());

const base = () => ({
  issuer: idp.issuer,
  clientId: DEFAULT_SIGN_IN_CLIENT.clientId,
  scope: "openid litellm_proxy_api",
});

/** A browser sign-in where the person acts on the page `openUrl` gets (edited by `tamper`). */
function signIn(
  person: { login: string; consent?: "allow" | "deny" },
  tamper: (url: URL) => void = () => {},
) {
  const opened: string[] = [];
  let browser: Promise<PersonOutcome> | undefined;
  const result = signInWithBrowser({
    ...base(),
    openUrl: (url) => {
      opened.push(url);
      const edited = new URL(url);
      tamper(edited);
      // A browser opens and the call returns: the person acts while we wait for the redirect.
      browser = actAsPerson(edited.href, person);
    },
  });
  return { result, opened, browser: () => browser };
}

describe("signInWithBrowser against the real OpenID provider", () => {
  it("PKCE S256, a loopback redirect on a free port and state: the person's token reaches the proxy", async () => {
    const { result, opened, browser } = signIn({ login: "grace" });
    const person = await result;
    const authorization = new URL(opened[0] as string);
    expect(authorization.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorization.searchParams.get("state")).toMatch(/\S{20}/);
    expect(authorization.searchParams.get("redirect_uri")).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/callback$/,
    );
    expect((await browser())?.body).toContain("You are signed in");
    expect(person.subject).toBe("grace");
    expect(person.refreshToken).toMatch(/\S/);
    const proxy = await startMockProxy({
      jwksUrl: idp.jwksUrl,
      issuer: idp.issuer,
      audience: idp.audience,
    });
    try {
      const response = await fetch(`${proxy.url}/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${person.accessToken.token}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(response.status).toBe(200);
      expect(proxy.requests.at(-1)?.claims?.sub).toBe("grace");
    } finally {
      await proxy.close();
    }
  });

  it("a denied consent is a TokenAcquisitionError access_denied", async () => {
    const { result, browser } = signIn({ login: "grace", consent: "deny" });
    const error = await result.catch((caught: unknown) => caught);
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ oauthError: "access_denied" });
    expect((await browser())?.body).toContain("The sign-in failed");
  });

  it("a redirect with the wrong state is refused, and no code is exchanged", async () => {
    const before = idp.tokenRequests.length;
    const { result } = signIn({ login: "grace" }, (url) => {
      url.searchParams.set("state", "forged-state-of-another-request");
    });
    const error = await result.catch((caught: unknown) => caught);
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/wrong state/);
    expect(idp.tokenRequests.length).toBe(before);
  });

  it("a redirect host that is not loopback is a ConfigurationError, before anything is sent", async () => {
    for (const redirectHost of ["192.168.1.20", "example.com", "0.0.0.0"]) {
      const error = await signInWithBrowser({
        ...base(),
        redirectHost,
        openUrl: () => {},
      }).catch((caught: unknown) => caught);
      expect(ConfigurationError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/loopback/);
    }
  });

  it("a provider without S256 is a ConfigurationError", async () => {
    const withoutS256: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input instanceof Request ? input.url : input).includes("/.well-known/")) {
        return response;
      }
      const metadata = (await response.json()) as Record<string, unknown>;
      return Response.json({ ...metadata, code_challenge_methods_supported: ["plain"] });
    };
    const error = await signInWithBrowser({
      ...base(),
      fetch: withoutS256,
      openUrl: () => {},
    }).catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/S256/);
  });

  it("no redirect within waitMs is a clear error, and the loopback port is closed", async () => {
    let redirect = "";
    const error = await signInWithBrowser({
      ...base(),
      waitMs: 1,
      openUrl: (url) => {
        redirect = new URL(url).searchParams.get("redirect_uri") ?? "";
      },
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/No sign-in arrived/);
    await expect(fetch(redirect)).rejects.toThrow();
  });
});
