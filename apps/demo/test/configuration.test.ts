import { expect, it } from "vitest";
import { realDeployment } from "../src/configuration.js";

const deployment = {
  LITELLM_PROXY_API_BASE: "https://proxy.example.com",
  PROXY_AUTH_SCOPE: "api://proxy/.default",
};

it("configures its real-deployment credential with the proxy-auth command's rules", () => {
  const generic = realDeployment({
    ...deployment,
    PROXY_AUTH_TOKEN_URL: "https://idp.example.com/token",
    PROXY_AUTH_CLIENT_ID: "client",
    PROXY_AUTH_CLIENT_SECRET: "secret",
  });
  expect(generic?.credentialName).toBe("GenericOAuth2Credential (client secret)");
  const azure = realDeployment({ ...deployment, AZURE_TENANT_ID: "tenant" });
  expect(azure?.credentialName).toBe("AzureADCredential (DefaultAzureCredential)");
  // The shared rules name what is missing.
  expect(() =>
    realDeployment({ ...deployment, PROXY_AUTH_TOKEN_URL: "https://idp.example.com/token" }),
  ).toThrow("PROXY_AUTH_CLIENT_ID is not set");
});
