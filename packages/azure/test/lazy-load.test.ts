import { DEFAULT_ENTRA_CLIENT, startEntraEndpoint } from "@proxy-auth/testing";
import { afterEach, expect, it, vi } from "vitest";
import { AzureADCredential } from "../src/index.js";
import { trustedCertificate } from "./certificate.js";

// Observes (does not replace) the loading of @azure/identity. Nothing in this file imports it
// statically, so every load comes from AzureADCredential.
const loads = vi.hoisted(() => ({ count: 0 }));
vi.mock("@azure/identity", async (importOriginal) => {
  loads.count++;
  return importOriginal();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

it("loads @azure/identity and creates DefaultAzureCredential on the first getToken, once", async () => {
  const entra = await startEntraEndpoint({ certificate: trustedCertificate() });
  try {
    const credential = new AzureADCredential();
    expect(loads.count).toBe(0);
    vi.stubEnv("AZURE_TENANT_ID", "adfs");
    vi.stubEnv("AZURE_CLIENT_ID", DEFAULT_ENTRA_CLIENT.clientId);
    vi.stubEnv("AZURE_CLIENT_SECRET", DEFAULT_ENTRA_CLIENT.clientSecret);
    vi.stubEnv("AZURE_AUTHORITY_HOST", entra.authorityHost);
    const [first, second] = await Promise.all([
      credential.getToken("api://my-litellm-proxy/.default"),
      credential.getToken("api://my-litellm-proxy/.default"),
    ]);
    expect(first.token).toMatch(/^eyJ/);
    expect(second.token).toMatch(/^eyJ/);
    await credential.getToken("api://my-litellm-proxy/.default");
    expect(loads.count).toBe(1);
  } finally {
    await entra.close();
  }
});
