import {
  ConfigurationError,
  CredentialUnavailableError,
  ProxyAuthHandler,
  TokenAcquisitionError,
} from "@proxy-auth/core";
import {
  actAsPerson,
  DEFAULT_SIGN_IN_CLIENT,
  type IdentityProvider,
  startIdentityProvider,
} from "@proxy-auth/testing";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemorySignInStore } from "./memory-sign-in-store.js";
import { RefreshTokenCredential } from "./refresh-token-credential.js";
import { signInWithDeviceCode } from "./sign-in-with-device-code.js";
import type { SignInStore } from "./signed-in-person.js";

let idp: IdentityProvider;
beforeAll(async () => {
  idp = await startIdentityProvider({
    signInClients: [DEFAULT_SIGN_IN_CLIENT],
    tokenLifetimeSeconds: 300,
  });
});
afterAll(() => idp.close());

/** Signs `login` in through the device flow, the person approving on the provider's pages. */
async function signIn(login: string) {
  let link = "";
  return signInWithDeviceCode({
    issuer: idp.issuer,
    clientId: DEFAULT_SIGN_IN_CLIENT.clientId,
    scope: "openid litellm_proxy_api",
    onPrompt: (prompt) => {
      link = prompt.verificationUriComplete ?? "";
    },
    sleep: async () => {
      if (link) await actAsPerson(link, { login });
      link = "";
    },
  });
}

const refreshGrants = () =>
  idp.tokenRequests.filter((request) => request.params.grant_type === "refresh_token");

describe("RefreshTokenCredential against the real OpenID provider (rotation and reuse detection on)", () => {
  it("rotates the access token many times from one sign-in, each refresh token used once, under the handler", async () => {
    const store = createMemorySignInStore(await signIn("ada"));
    let clock = Date.now();
    const handler = new ProxyAuthHandler({
      credential: new RefreshTokenCredential({ store, now: () => clock }),
      scope: "litellm_proxy_api",
      now: () => clock,
    });
    const before = refreshGrants().length;
    const seenTokens = new Set<string>();
    const seenRefreshTokens = new Set<string>();
    for (let rotation = 0; rotation < 12; rotation++) {
      clock += 301_000; // past the 300 s lifetime: the handler must wait for a new token
      const token = await handler.getToken();
      expect(decodeJwt(token.token).sub).toBe("ada");
      seenTokens.add(token.token);
      const stored = await store.load();
      expect(stored?.accessToken.token).toBe(token.token);
      seenRefreshTokens.add(stored?.refreshToken as string);
    }
    expect(seenTokens.size).toBe(12);
    expect(seenRefreshTokens.size).toBe(12);
    expect(refreshGrants().length - before).toBe(12);
    expect(idp.refreshTokenReuses).toBe(0);
  });

  it("many callers on several credentials sharing one store make one refresh", async () => {
    const store = createMemorySignInStore(await signIn("ada"));
    let clock = Date.now() + 301_000;
    const credentials = Array.from(
      { length: 4 },
      () => new RefreshTokenCredential({ store, now: () => clock }),
    );
    const before = refreshGrants().length;
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        credentials[index % 4]?.getToken("litellm_proxy_api"),
      ),
    );
    expect(new Set(tokens.map((token) => token?.token)).size).toBe(1);
    expect(refreshGrants().length - before).toBe(1);
    clock += 301_000;
    await Promise.all(credentials.map((credential) => credential.getToken("s")));
    expect(refreshGrants().length - before).toBe(2);
    expect(idp.refreshTokenReuses).toBe(0);
  });

  it("a revoked sign-in (reuse detected) is one invalid_grant error that says to sign in again, with no token in it", async () => {
    const person = await signIn("ada");
    const store = createMemorySignInStore(person);
    const credential = new RefreshTokenCredential({
      store,
      now: () => Date.now() + 301_000,
      signInAgain: "Run `proxy-auth login` again.",
    });
    await credential.getToken("s"); // rotates: the first refresh token is now used
    // Someone replays the first refresh token: the provider revokes the whole sign-in.
    const replay = await fetch(idp.tokenUrl, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: DEFAULT_SIGN_IN_CLIENT.clientId,
        refresh_token: person.refreshToken as string,
      }),
    });
    expect(replay.status).toBe(400);
    const error = await credential.getToken("s").catch((caught: unknown) => caught);
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ oauthError: "invalid_grant", retryable: false });
    expect((error as Error).message).toMatch(/sign-in has ended.*Run `proxy-auth login` again\./);
    const stored = await store.load();
    expect(JSON.stringify(error)).not.toContain(stored?.refreshToken);
    expect((error as Error).message).not.toContain(stored?.refreshToken);
  });

  it("a new access token is not handed out when its rotated refresh token could not be stored", async () => {
    const store = createMemorySignInStore(await signIn("ada"));
    const failing: SignInStore = {
      ...store,
      update: async (change) => {
        await change(await store.load());
        throw new Error("disk full");
      },
    };
    const credential = new RefreshTokenCredential({
      store: failing,
      now: () => Date.now() + 301_000,
    });
    await expect(credential.getToken("s")).rejects.toThrow("disk full");
  });

  it("nobody signed in is a CredentialUnavailableError; no store is a ConfigurationError", async () => {
    const credential = new RefreshTokenCredential({ store: createMemorySignInStore() });
    const error = await credential.getToken("s").catch((caught: unknown) => caught);
    expect(CredentialUnavailableError.isInstance(error)).toBe(true);
    expect(() => new RefreshTokenCredential({} as never)).toThrow(ConfigurationError);
  });
});
