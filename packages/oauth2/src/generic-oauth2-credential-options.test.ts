import { ConfigurationError, isLoopbackHost } from "@proxy-auth/core";
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { clientAssertionFromFile } from "./client-assertion-from-file.js";
import { GenericOAuth2Credential } from "./generic-oauth2-credential.js";

const base = {
  clientId: "id",
  clientSecret: "SENTINEL-secret",
  tokenUrl: "https://idp.example.com/token",
};

describe("GenericOAuth2Credential options", () => {
  const bad: [string, unknown, RegExp][] = [
    ["no options", undefined, /needs an options object/],
    ["a missing clientId", { ...base, clientId: undefined }, /"clientId" is required/],
    ["an empty clientSecret", { ...base, clientSecret: "" }, /"clientSecret" is required/],
    ["no tokenUrl nor issuer", { ...base, tokenUrl: undefined }, /"tokenUrl" is required/],
    [
      "both tokenUrl and issuer",
      { ...base, issuer: "https://idp.example.com" },
      /either "tokenUrl" or "issuer"/,
    ],
    ["a malformed URL", { ...base, tokenUrl: "not a url" }, /not a valid URL/],
    [
      "http to a remote host",
      { ...base, tokenUrl: "http://idp.example.com/token" },
      /must use https/,
    ],
    ["http to a private address", { ...base, tokenUrl: "http://10.0.0.5/token" }, /must use https/],
    ["an ftp URL", { ...base, tokenUrl: "ftp://idp.example.com/token" }, /must use https/],
    ["an unknown authMethod", { ...base, authMethod: "private_key_jwt" }, /"authMethod"/],
    ["a non-positive timeout", { ...base, timeoutMs: 0 }, /"timeoutMs"/],
    [
      "extraParams replacing grant_type",
      { ...base, extraParams: { grant_type: "password" } },
      /cannot set "grant_type"/,
    ],
    ["extraParams replacing scope", { ...base, extraParams: { scope: "x" } }, /cannot set "scope"/],
    [
      "a non-string extra param",
      { ...base, extraParams: { tenant: 5 } },
      /extraParams.tenant must be a string/,
    ],
    ["an empty resource", { ...base, resource: [""] }, /"resource"/],
  ];
  it.each(bad)("rejects %s with a ConfigurationError", (_, options, message) => {
    let caught: unknown;
    try {
      new GenericOAuth2Credential(options as never);
    } catch (error) {
      caught = error;
    }
    expect(ConfigurationError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain("SENTINEL");
  });

  it("refuses a signingAlgorithm or JWK alg that is an Object.prototype name, at construction", async () => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const jwk = await exportJWK(privateKey);
    const pem = await exportPKCS8(privateKey);
    const { clientSecret: _, ...keyless } = base;
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      for (const options of [
        // A PEM is imported at the first getToken(): the name must be refused before that.
        { ...keyless, privateKey: pem, signingAlgorithm: name },
        { ...keyless, privateKey: jwk, signingAlgorithm: name },
        { ...keyless, privateKey: { ...jwk, alg: name }, signingAlgorithm: name },
      ]) {
        expect(() => new GenericOAuth2Credential(options)).toThrow(
          /"signingAlgorithm" must be one of/,
        );
      }
      // A JWK's own "alg" of that name is ignored: the key's natural algorithm is used.
      const credential = new GenericOAuth2Credential({
        ...keyless,
        privateKey: { ...jwk, alg: name },
      });
      await expect(credential.cacheKey()).resolves.toMatch(/^oauth2:/);
    }
  });

  it("accepts http for loopback hosts only", () => {
    for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]"]) {
      expect(isLoopbackHost(host)).toBe(true);
      expect(
        () => new GenericOAuth2Credential({ ...base, tokenUrl: `http://${host}:8080/token` }),
      ).not.toThrow();
    }
    // Names under .localhost are resolved by DNS on many systems: the secret could leave the machine.
    for (const host of [
      "localhost.example.com",
      "128.0.0.1",
      "0.0.0.0",
      "[::2]",
      "api.localhost",
    ]) {
      expect(isLoopbackHost(host)).toBe(false);
      expect(
        () => new GenericOAuth2Credential({ ...base, tokenUrl: `http://${host}:8080/token` }),
      ).toThrow(/must use https/);
    }
  });

  it("exposes what identifies it, never the secret", () => {
    const credential = new GenericOAuth2Credential({ ...base, authMethod: "client_secret_basic" });
    expect(credential.authMethod).toBe("client_secret_basic");
    expect(JSON.stringify(credential)).not.toContain("SENTINEL");
  });

  it("cacheKey identifies client, endpoint and secret without containing the secret", async () => {
    const key = await new GenericOAuth2Credential(base).cacheKey();
    expect(key).toMatch(/^oauth2:[0-9a-f]{64}$/);
    expect(key).not.toContain("SENTINEL");
    expect(await new GenericOAuth2Credential({ ...base }).cacheKey()).toBe(key);
    expect(
      await new GenericOAuth2Credential({ ...base, clientSecret: "SENTINEL-rotated" }).cacheKey(),
    ).not.toBe(key);
    expect(
      await new GenericOAuth2Credential({ ...base, audience: "https://other" }).cacheKey(),
    ).not.toBe(key);
  });

  it("cacheKey with clientAssertionFromFile: one per absolute path, whatever the process", async () => {
    const { clientSecret: _, ...keyless } = base;
    const key = (path: string) =>
      new GenericOAuth2Credential({
        ...keyless,
        clientAssertion: clientAssertionFromFile(path),
      }).cacheKey();
    const first = await key("/var/run/secrets/tokens/litellm");
    expect(await key("/var/run/secrets/tokens/litellm")).toBe(first);
    expect(await key("/var/run/secrets/tokens/other")).not.toBe(first);
    // A relative path names different files from different folders: each source its own key.
    expect(await key("token.jwt")).not.toBe(await key("token.jwt"));
    const custom = async () => "a.b.c";
    expect(
      await new GenericOAuth2Credential({ ...keyless, clientAssertion: custom }).cacheKey(),
    ).not.toBe(first);
  });
});
