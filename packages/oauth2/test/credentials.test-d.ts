// Type tests of what users write with @proxy-auth/oauth2: the credentials' options (units,
// the allowed words), the people's flows, and that each credential is a core TokenCredential.
import { type AccessToken, ProxyAuthHandler, type TokenCredential } from "@proxy-auth/core";
import { describe, expectTypeOf, it } from "vitest";
import {
  clientAssertionFromFile,
  createMemorySignInStore,
  type DeviceCodePrompt,
  GenericOAuth2Credential,
  type GenericOAuth2CredentialOptions,
  RefreshTokenCredential,
  type SignedInPerson,
  signInWithDeviceCode,
  TokenExchangeCredential,
} from "../src/index.js";

describe("client credentials", () => {
  it("the quick start: a credential for the handler", () => {
    const credential = new GenericOAuth2Credential({
      tokenUrl: "https://idp.example/token",
      clientId: "id",
      clientSecret: "secret",
    });
    expectTypeOf(credential).toExtend<TokenCredential>();
    new ProxyAuthHandler({ credential, scope: "api://proxy/.default" });
  });

  it("options: milliseconds and bytes as numbers, the allowed words only", () => {
    expectTypeOf<GenericOAuth2CredentialOptions["timeoutMs"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<GenericOAuth2CredentialOptions["authMethod"]>().toEqualTypeOf<
      "client_secret_post" | "client_secret_basic" | "private_key_jwt" | undefined
    >();
    // @ts-expect-error a timeout is a number of milliseconds
    new GenericOAuth2Credential({ tokenUrl: "https://t", clientId: "id", timeoutMs: "5s" });
    // @ts-expect-error no such client authentication
    new GenericOAuth2Credential({ tokenUrl: "https://t", clientId: "id", authMethod: "basic" });
    // @ts-expect-error the client id is required
    new GenericOAuth2Credential({ tokenUrl: "https://t", clientSecret: "s" });
  });

  it("dpop: true, or a key pair and an algorithm among three", () => {
    new GenericOAuth2Credential({ tokenUrl: "https://t", clientId: "id", dpop: true });
    new GenericOAuth2Credential({
      tokenUrl: "https://t",
      clientId: "id",
      dpop: { algorithm: "EdDSA" },
    });
    new GenericOAuth2Credential({
      tokenUrl: "https://t",
      clientId: "id",
      // @ts-expect-error HS256 cannot sign a DPoP proof
      dpop: { algorithm: "HS256" },
    });
  });

  it("a client assertion from a file is a function giving a string", () => {
    expectTypeOf(clientAssertionFromFile("/var/run/token")).toEqualTypeOf<() => Promise<string>>();
    new GenericOAuth2Credential({
      tokenUrl: "https://t",
      clientId: "id",
      clientAssertion: clientAssertionFromFile("/var/run/token"),
    });
  });

  it("token exchange needs a subject token source and a token URL", () => {
    new TokenExchangeCredential({ tokenUrl: "https://t", subjectToken: async () => "jwt" });
    // @ts-expect-error the subject token is required
    new TokenExchangeCredential({ tokenUrl: "https://t" });
  });
});

describe("people", () => {
  it("the device flow shows a prompt and resolves the signed-in person", () => {
    const signedIn = signInWithDeviceCode({
      issuer: "https://idp.example",
      clientId: "cli",
      scope: "openid offline_access",
      onPrompt: (prompt) => {
        expectTypeOf(prompt).toEqualTypeOf<DeviceCodePrompt>();
        expectTypeOf(prompt.expiresInSeconds).toEqualTypeOf<number>();
      },
    });
    expectTypeOf(signedIn).resolves.toEqualTypeOf<SignedInPerson>();
  });

  it("a refresh-token credential reads a sign-in store; the person's token is an AccessToken", () => {
    const store = createMemorySignInStore();
    const credential = new RefreshTokenCredential({ store });
    expectTypeOf(credential).toExtend<TokenCredential>();
    expectTypeOf<SignedInPerson["accessToken"]>().toEqualTypeOf<AccessToken>();
    // @ts-expect-error the store is required
    new RefreshTokenCredential({});
  });
});
