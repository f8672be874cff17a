import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { ClientCertificateCredential, WorkloadIdentityCredential } from "@azure/identity";
import { ProxyAuthHandler } from "@proxy-auth/core";
import {
  createSelfSignedCertificate,
  createTestIssuer,
  type EntraEndpoint,
  startEntraEndpoint,
  startMockProxy,
  type TestIssuer,
} from "@proxy-auth/testing";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AzureADCredential } from "../src/index.js";
import { trustedCertificate } from "./certificate.js";

const SCOPE = "api://my-litellm-proxy/.default";
const WORKLOAD_CLIENT = "00000000-0000-0000-0000-0000000f3d01";
const CERTIFICATE_CLIENT = "00000000-0000-0000-0000-0000000ce271";
const SUBJECT = "system:serviceaccount:ai:litellm-caller";

let entra: EntraEndpoint;
let cluster: TestIssuer;
let appCertificate: { cert: string; key: string };
let directory: string;

beforeAll(async () => {
  cluster = await createTestIssuer({ issuer: "https://oidc.aks.proxy-auth.test/cluster" });
  appCertificate = await createSelfSignedCertificate();
  entra = await startEntraEndpoint({
    certificate: trustedCertificate(),
    tokenLifetimeSeconds: 120,
    clients: [
      { clientId: WORKLOAD_CLIENT, federated: { issuer: cluster, subject: SUBJECT } },
      { clientId: CERTIFICATE_CLIENT, certificate: appCertificate.cert },
    ],
  });
  directory = mkdtempSync(join(tmpdir(), "proxy-auth-workload-"));
});
afterAll(async () => {
  await entra.close();
  rmSync(directory, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe("Entra without a client secret, through the real @azure/identity", () => {
  it("workload identity: new AzureADCredential() reads AZURE_FEDERATED_TOKEN_FILE, and a rotated file is used", async () => {
    const file = join(directory, "azure-identity-token");
    // It expires before the rotation below: only a re-read file can get the next token.
    const first = await cluster.sign({
      sub: SUBJECT,
      aud: "api://AzureADTokenExchange",
      expiresInSeconds: 300,
    });
    writeFileSync(file, first);
    vi.stubEnv("AZURE_TENANT_ID", "adfs"); // adfs: MSAL skips instance discovery (public cloud)
    vi.stubEnv("AZURE_CLIENT_ID", WORKLOAD_CLIENT);
    vi.stubEnv("AZURE_FEDERATED_TOKEN_FILE", file);
    vi.stubEnv("AZURE_AUTHORITY_HOST", entra.authorityHost);
    vi.stubEnv("AZURE_CLIENT_SECRET", "");
    // Only Date is faked: @azure/identity re-reads the file after 5 minutes, MSAL renews expired tokens.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const handler = new ProxyAuthHandler({ credential: new AzureADCredential(), scope: SCOPE });
    const token = await handler.getToken();
    expect(decodeJwt(token.token)).toMatchObject({
      aud: "api://my-litellm-proxy",
      appid: WORKLOAD_CLIENT,
    });
    expect(entra.tokenRequests.at(-1)).toMatchObject({
      tenant: "adfs",
      authMethod: "federated",
      assertionIdentity: SUBJECT,
      status: 200,
      params: { client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" },
    });

    // The kubelet rotates the projected token; the old one expires.
    const requests = entra.tokenRequests.length;
    vi.setSystemTime(Date.now() + 6 * 60_000);
    writeFileSync(file, await cluster.sign({ sub: SUBJECT, aud: "api://AzureADTokenExchange" }));
    const renewed = await handler.getToken();
    expect(renewed.token).not.toBe(token.token);
    expect(entra.tokenRequests.length).toBe(requests + 1);
    expect(entra.tokenRequests.at(-1)).toMatchObject({ authMethod: "federated", status: 200 });

    // A file holding a token of another workload is refused: the file is what counts.
    writeFileSync(
      file,
      await cluster.sign({
        sub: "system:serviceaccount:ai:intruder",
        aud: "api://AzureADTokenExchange",
      }),
    );
    // (WorkloadIdentityCredential itself: DefaultAzureCredential would go on down its chain.)
    const workload = new WorkloadIdentityCredential({
      tenantId: "my-tenant",
      clientId: WORKLOAD_CLIENT,
      tokenFilePath: file,
      authorityHost: entra.authorityHost,
      disableInstanceDiscovery: true,
    });
    const error = await new AzureADCredential({ credential: workload })
      .getToken(SCOPE)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "TOKEN_ACQUISITION_FAILED",
      status: 401,
      oauthError: "invalid_client",
    });
    expect(inspect(error, { depth: 10 })).not.toContain(first.split(".")[2]);
  });

  it("a certificate credential (ClientCertificateCredential) wrapped in AzureADCredential feeds a JWT-checking proxy", async () => {
    const azure = new ClientCertificateCredential(
      "my-tenant",
      CERTIFICATE_CLIENT,
      { certificate: `${appCertificate.cert}\n${appCertificate.key}` },
      { authorityHost: entra.authorityHost, disableInstanceDiscovery: true },
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
      const response = await fetch(`${proxy.url}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(await handler.getAuthHeaders()) },
        body: JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] }),
      });
      expect(response.status).toBe(200);
    } finally {
      await proxy.close();
    }
    expect(entra.tokenRequests.at(-1)).toMatchObject({
      tenant: "my-tenant",
      authMethod: "certificate",
      status: 200,
    });
  });

  it("a certificate Entra does not know: invalid_client, and the private key never shows", async () => {
    const stranger = await createSelfSignedCertificate();
    const azure = new ClientCertificateCredential(
      "my-tenant",
      CERTIFICATE_CLIENT,
      { certificate: `${stranger.cert}\n${stranger.key}` },
      { authorityHost: entra.authorityHost, disableInstanceDiscovery: true },
    );
    const credential = new AzureADCredential({ credential: azure });
    const error = await credential.getToken(SCOPE).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "TOKEN_ACQUISITION_FAILED",
      status: 401,
      oauthError: "invalid_client",
    });
    const keyBody = stranger.key.split("\n")[1] as string;
    expect(inspect(error, { depth: 10 })).not.toContain(keyBody);
    expect(JSON.stringify(error)).not.toContain(keyBody);
    expect(inspect(credential, { depth: 10 })).not.toContain(keyBody);
  });
});
