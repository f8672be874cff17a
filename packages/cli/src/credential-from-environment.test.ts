import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { ConfigurationError, CredentialUnavailableError } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import { afterAll, describe, expect, it } from "vitest";
import {
  credentialFromEnvironment,
  oauth2OptionsFromEnvironment,
} from "./credential-from-environment.js";

const folder = mkdtempSync(join(tmpdir(), "proxy-auth-environment-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
};

const client = {
  PROXY_AUTH_TOKEN_URL: "https://idp.example.com/oauth2/token",
  PROXY_AUTH_CLIENT_ID: "my-client",
};
const SECRET = "s3cret-value-7d2b";
const configurationError = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(ConfigurationError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error("no ConfigurationError");
};

describe("credentialFromEnvironment", () => {
  it("a client secret makes a GenericOAuth2Credential, its identity a hash without the secret", async () => {
    const made = credentialFromEnvironment({
      ...client,
      PROXY_AUTH_CLIENT_SECRET: SECRET,
      PROXY_AUTH_AUDIENCE: "https://proxy.example.com",
      PROXY_AUTH_AUTH_METHOD: "client_secret_basic",
    });
    expect(made.credential).toBeInstanceOf(GenericOAuth2Credential);
    expect((made.credential as GenericOAuth2Credential).authMethod).toBe("client_secret_basic");
    expect(made.description).toBe("GenericOAuth2Credential (client secret)");
    const identity = await made.identity();
    expect(identity).not.toContain(SECRET);
    const other = credentialFromEnvironment({ ...client, PROXY_AUTH_CLIENT_SECRET: "another" });
    expect(await other.identity()).not.toBe(identity);
    expect(inspect(made, { depth: 5 })).not.toContain(SECRET);
  });

  it("the AZURE_* variables, or PROXY_AUTH_CREDENTIAL=azure, make an AzureADCredential", async () => {
    const AZURE = "AzureADCredential (DefaultAzureCredential)";
    const azure = credentialFromEnvironment({ AZURE_TENANT_ID: "t", AZURE_CLIENT_ID: "c" });
    expect(azure.description).toBe(AZURE);
    expect(await azure.identity()).toContain('"t"');
    const chosen = credentialFromEnvironment({ PROXY_AUTH_CREDENTIAL: "azure" });
    expect(chosen.description).toBe(AZURE);
    // The generic client wins when both are configured, unless azure is chosen.
    const both = { ...client, PROXY_AUTH_CLIENT_SECRET: SECRET, AZURE_TENANT_ID: "t" };
    expect(credentialFromEnvironment(both).credential).toBeInstanceOf(GenericOAuth2Credential);
    expect(credentialFromEnvironment({ ...both, PROXY_AUTH_CREDENTIAL: "azure" }).description).toBe(
      AZURE,
    );
  });

  it("names what is missing or conflicting; empty variables count as unset", () => {
    expect(configurationError(() => credentialFromEnvironment({}))).toContain(
      "No credential is configured",
    );
    expect(
      configurationError(() =>
        credentialFromEnvironment({
          ...client,
          PROXY_AUTH_CLIENT_ID: "",
          PROXY_AUTH_CLIENT_SECRET: SECRET,
        }),
      ),
    ).toBe("PROXY_AUTH_CLIENT_ID is not set (needed for a generic OAuth2 client).");
    expect(configurationError(() => credentialFromEnvironment(client))).toContain(
      "Set one of PROXY_AUTH_CLIENT_SECRET, PROXY_AUTH_PRIVATE_KEY_FILE, PROXY_AUTH_CLIENT_ASSERTION_FILE",
    );
    const twice = configurationError(() =>
      credentialFromEnvironment({
        ...client,
        PROXY_AUTH_CLIENT_SECRET: SECRET,
        PROXY_AUTH_CLIENT_ASSERTION_FILE: file("twice.jwt", "eyJ.x.y"),
      }),
    );
    expect(twice).toBe(
      "Set only one of PROXY_AUTH_CLIENT_SECRET, PROXY_AUTH_CLIENT_ASSERTION_FILE.",
    );
    expect(twice).not.toContain(SECRET);
    expect(
      configurationError(() => credentialFromEnvironment({ PROXY_AUTH_CREDENTIAL: "kerberos" })),
    ).toContain('PROXY_AUTH_CREDENTIAL must be "oauth2" or "azure"');
  });
});

describe("oauth2OptionsFromEnvironment: the endpoint", () => {
  it("PROXY_AUTH_ISSUER discovers the token endpoint instead of PROXY_AUTH_TOKEN_URL; not both", () => {
    const options = oauth2OptionsFromEnvironment({
      PROXY_AUTH_ISSUER: "https://keycloak.example.com/realms/ai",
      PROXY_AUTH_CLIENT_ID: "my-client",
      PROXY_AUTH_CLIENT_SECRET: SECRET,
      PROXY_AUTH_AUTH_METHOD: "client_secret_basic",
      PROXY_AUTH_AUDIENCE: "https://proxy.example.com",
    });
    expect(options).toEqual({
      clientId: "my-client",
      issuer: "https://keycloak.example.com/realms/ai",
      clientSecret: SECRET,
      authMethod: "client_secret_basic",
      audience: "https://proxy.example.com",
    });
    expect(
      configurationError(() =>
        oauth2OptionsFromEnvironment({
          ...client,
          PROXY_AUTH_ISSUER: "https://keycloak.example.com/realms/ai",
          PROXY_AUTH_CLIENT_SECRET: SECRET,
        }),
      ),
    ).toContain("not both");
  });
});

describe("oauth2OptionsFromEnvironment: the forms without a static secret", () => {
  it("a private key file becomes privateKey (the PEM text) with keyId", () => {
    const pem = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----";
    const options = oauth2OptionsFromEnvironment({
      ...client,
      PROXY_AUTH_PRIVATE_KEY_FILE: file("key.pem", `${pem}\n`),
      PROXY_AUTH_KEY_ID: "key-1",
    });
    expect(options).toEqual({ ...clientOptions(), privateKey: pem, keyId: "key-1" });
  });

  it("an assertion file becomes clientAssertion, read anew for every token request", async () => {
    const path = file("assertion.jwt", "eyJ.first.jwt\n");
    const options = oauth2OptionsFromEnvironment({
      ...client,
      PROXY_AUTH_CLIENT_ASSERTION_FILE: path,
    });
    expect(await options.clientAssertion?.()).toBe("eyJ.first.jwt");
    writeFileSync(path, "eyJ.rotated.jwt");
    expect(await options.clientAssertion?.()).toBe("eyJ.rotated.jwt");
    rmSync(path);
    // oauth2's clientAssertionFromFile: a token file that is gone means no identity here.
    const error = await Promise.resolve(options.clientAssertion?.()).catch(
      (caught: unknown) => caught,
    );
    expect(CredentialUnavailableError.isInstance(error)).toBe(true);
  });

  it("unreadable, empty or oversized files, and a key id without a key, are configuration errors", () => {
    const missing = configurationError(() =>
      oauth2OptionsFromEnvironment({
        ...client,
        PROXY_AUTH_PRIVATE_KEY_FILE: join(folder, "none"),
      }),
    );
    expect(missing).toMatch(/^PROXY_AUTH_PRIVATE_KEY_FILE: cannot read .* \(ENOENT\)\.$/);
    expect(
      configurationError(() =>
        oauth2OptionsFromEnvironment({
          ...client,
          PROXY_AUTH_CLIENT_ASSERTION_FILE: file("empty.jwt", " \n"),
        }),
      ),
    ).toContain("is empty");
    const huge = "x".repeat(70_000);
    const oversized = configurationError(() =>
      oauth2OptionsFromEnvironment({ ...client, PROXY_AUTH_PRIVATE_KEY_FILE: file("huge", huge) }),
    );
    expect(oversized).toContain("larger than 65536 bytes");
    expect(
      configurationError(() =>
        oauth2OptionsFromEnvironment({
          ...client,
          PROXY_AUTH_CLIENT_SECRET: SECRET,
          PROXY_AUTH_KEY_ID: "k",
        }),
      ),
    ).toBe("PROXY_AUTH_KEY_ID is set without PROXY_AUTH_PRIVATE_KEY_FILE.");
  });
});

function clientOptions() {
  return { clientId: "my-client", tokenUrl: "https://idp.example.com/oauth2/token" };
}
