import { inspect } from "node:util";
import { ClientSecretCredential } from "@azure/identity";
import { ProxyAuthHandler } from "@proxy-auth/core";
import {
  DEFAULT_ENTRA_CLIENT,
  type EntraEndpoint,
  startEntraEndpoint,
  startMockProxy,
} from "@proxy-auth/testing";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AzureADCredential } from "../src/index.js";
import { trustedCertificate } from "./certificate.js";

const SCOPE = "api://my-litellm-proxy/.default";
let entra: EntraEndpoint;

beforeAll(async () => {
  entra = await startEntraEndpoint({ certificate: trustedCertificate(), refreshInSeconds: 1800 });
});
afterAll(() => entra.close());
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("AzureADCredential with the real @azure/identity, offline", () => {
  it("new AzureADCredential() runs DefaultAzureCredential from AZURE_* variables", async () => {
    const credential = new AzureADCredential();
    vi.stubEnv("AZURE_TENANT_ID", "adfs"); // adfs: MSAL skips instance discovery (public cloud)
    vi.stubEnv("AZURE_CLIENT_ID", DEFAULT_ENTRA_CLIENT.clientId);
    vi.stubEnv("AZURE_CLIENT_SECRET", DEFAULT_ENTRA_CLIENT.clientSecret);
    vi.stubEnv("AZURE_AUTHORITY_HOST", entra.authorityHost);
    const before = Date.now() / 1000;
    const token = await credential.getToken(SCOPE);
    expect(credential.credentialName).toBe("DefaultAzureCredential");
    const request = entra.tokenRequests.at(-1);
    expect(request).toMatchObject({
      tenant: "adfs",
      params: { client_id: DEFAULT_ENTRA_CLIENT.clientId },
    });
    expect(request?.params.scope?.split(" ")).toContain(SCOPE);
    expect(decodeJwt(token.token).aud).toBe("api://my-litellm-proxy");
    expect(token.expiresOn).toBeGreaterThan(before + 3500);
    expect(token.expiresOn).toBeLessThan(before + 3700);
    expect(token.refreshAfter).toBeGreaterThan(before + 1700);
    expect(token.refreshAfter).toBeLessThan(before + 1900);
  });

  it("wraps a real ClientSecretCredential and feeds a JWT-checking proxy", async () => {
    const azure = new ClientSecretCredential(
      "my-tenant",
      DEFAULT_ENTRA_CLIENT.clientId,
      DEFAULT_ENTRA_CLIENT.clientSecret,
      {
        authorityHost: entra.authorityHost,
        disableInstanceDiscovery: true,
      },
    );
    const handler = new ProxyAuthHandler({
      credential: new AzureADCredential({ credential: azure }),
      scope: SCOPE,
    });
    const proxy = await startMockProxy({
      jwksUrl: entra.jwksUrl,
      issuer: entra.issuerFor("my-tenant"),
      audience: "api://my-litellm-proxy",
    });
    try {
      const issuedBefore = entra.tokensIssued;
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${proxy.url}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(await handler.getAuthHeaders()) },
          body: JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] }),
        });
        expect(response.status).toBe(200);
      }
      expect(entra.tokensIssued - issuedBefore).toBe(1);
      expect(entra.tokenRequests.at(-1)?.tenant).toBe("my-tenant");
    } finally {
      await proxy.close();
    }
  });

  it("a wrong secret becomes a TokenAcquisitionError naming the credential, without the secret", async () => {
    const azure = new ClientSecretCredential(
      "my-tenant",
      DEFAULT_ENTRA_CLIENT.clientId,
      "SENTINEL-wrong-secret",
      {
        authorityHost: entra.authorityHost,
        disableInstanceDiscovery: true,
      },
    );
    const error = await new AzureADCredential({ credential: azure })
      .getToken(SCOPE)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "TOKEN_ACQUISITION_FAILED",
      retryable: false,
      status: 401,
      oauthError: "invalid_client",
    });
    expect((error as Error).message).toContain("ClientSecretCredential");
    expect((error as Error).message).not.toContain("SENTINEL");
    expect(inspect(error, { depth: 10 })).not.toContain("SENTINEL");
  });

  it("a provider outage (503) is reported as retryable", async () => {
    entra.injectFault({ kind: "status", status: 503, retryAfter: 1 }, 10);
    try {
      const azure = new ClientSecretCredential(
        "outage-tenant",
        DEFAULT_ENTRA_CLIENT.clientId,
        DEFAULT_ENTRA_CLIENT.clientSecret,
        {
          authorityHost: entra.authorityHost,
          disableInstanceDiscovery: true,
          retryOptions: { maxRetries: 0 },
        },
      );
      const error = await new AzureADCredential({ credential: azure })
        .getToken(SCOPE)
        .catch((caught: unknown) => caught);
      // azure-identity wraps MSAL's ServerError; the status is found in the cause chain.
      expect(error).toMatchObject({
        code: "TOKEN_ACQUISITION_FAILED",
        status: 503,
        oauthError: "server_error",
        retryable: true,
      });
      expect((error as Error).message).toContain("ClientSecretCredential");
    } finally {
      entra.clearFaults();
    }
  });
});
