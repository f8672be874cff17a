import { inspect } from "node:util";
import type {
  GetTokenOptions as AzureGetTokenOptions,
  TokenCredential as AzureTokenCredential,
} from "@azure/core-auth";
import {
  AggregateAuthenticationError,
  AuthenticationError,
  CredentialUnavailableError,
} from "@azure/identity";
import {
  ConfigurationError,
  CredentialUnavailableError as CoreCredentialUnavailableError,
  ProxyAuthHandler,
  TokenAcquisitionError,
} from "@proxy-auth/core";
import { describe, expect, it } from "vitest";
import { AzureADCredential } from "./azure-ad-credential.js";

/** A stand-in for an azure-identity credential: our seam, answering what the test says. */
class FakeAzureCredential implements AzureTokenCredential {
  readonly calls: { scopes: string | string[]; options: AzureGetTokenOptions | undefined }[] = [];
  constructor(private readonly answer: () => unknown) {}
  async getToken(scopes: string | string[], options?: AzureGetTokenOptions) {
    this.calls.push({ scopes, options });
    return this.answer() as never;
  }
}

const failing = (error: unknown) =>
  new FakeAzureCredential(() => {
    throw error;
  });

async function failure(credential: AzureTokenCredential): Promise<TokenAcquisitionError> {
  const error = await new AzureADCredential({ credential })
    .getToken("api://proxy/.default")
    .catch((caught: unknown) => caught);
  expect(TokenAcquisitionError.isInstance(error)).toBe(true);
  return error as TokenAcquisitionError;
}

describe("AzureADCredential conversions", () => {
  it("turns Azure's millisecond timestamps into seconds and passes the scope", async () => {
    const azure = new FakeAzureCredential(() => ({
      token: "eyJ.azure.token",
      expiresOnTimestamp: 1_800_003_600_000,
      refreshAfterTimestamp: 1_800_001_800_000,
      tokenType: "Bearer",
    }));
    const token = await new AzureADCredential({ credential: azure }).getToken(
      "api://proxy/.default",
    );
    expect(token).toEqual({
      token: "eyJ.azure.token",
      expiresOn: 1_800_003_600,
      refreshAfter: 1_800_001_800,
      tokenType: "Bearer",
    });
    expect(azure.calls[0]?.scopes).toBe("api://proxy/.default");
  });

  it("leaves refreshAfter out when Azure gives none, and defaults the type to Bearer", async () => {
    const azure = new FakeAzureCredential(() => ({
      token: "t",
      expiresOnTimestamp: 1_800_000_000_500,
    }));
    expect(await new AzureADCredential({ credential: azure }).getToken("s")).toEqual({
      token: "t",
      expiresOn: 1_800_000_000.5,
      tokenType: "Bearer",
    });
  });

  it("passes the caller's signal as Azure's abortSignal, and rejects with its reason once aborted", async () => {
    const controller = new AbortController();
    const azure = new FakeAzureCredential(() => {
      controller.abort(new Error("caller gave up"));
      throw new Error("AbortError: the operation was aborted");
    });
    const pending = new AzureADCredential({ credential: azure }).getToken("s", {
      signal: controller.signal,
    });
    await expect(pending).rejects.toThrow("caller gave up");
    expect(azure.calls[0]?.options?.abortSignal).toBe(controller.signal);
  });

  it("lets the handler refresh in the background after Azure's refreshAfter (refresh_in)", async () => {
    let now = 1_800_000_000_000;
    let issued = 0;
    const azure = new FakeAzureCredential(() => {
      issued++;
      return {
        token: `t${issued}`,
        expiresOnTimestamp: now + 3_600_000,
        refreshAfterTimestamp: now + 1_800_000,
      };
    });
    const handler = new ProxyAuthHandler({
      credential: new AzureADCredential({ credential: azure }),
      scope: "s",
      now: () => now,
    });
    await handler.getToken();
    now += 1_799_000;
    await handler.getToken();
    expect(issued).toBe(1);
    now += 2_000;
    expect((await handler.getToken()).token).toBe("t1"); // served at once…
    await new Promise((resolve) => setImmediate(resolve));
    expect(issued).toBe(2); // …while one refresh ran
    expect((await handler.getToken()).token).toBe("t2");
  });
});

describe("AzureADCredential failures", () => {
  it("a null token", async () => {
    const error = await failure(new FakeAzureCredential(() => null));
    expect(error.message).toBe(
      'FakeAzureCredential returned no token for scope "api://proxy/.default".',
    );
    expect(error.retryable).toBe(false);
  });

  it("CredentialUnavailableError: no identity here, its own code, the source named", async () => {
    const azure = new CredentialUnavailableError(
      "ManagedIdentityCredential: no managed identity endpoint found.",
    );
    const error = await new AzureADCredential({ credential: failing(azure) })
      .getToken("api://proxy/.default")
      .catch((caught: unknown) => caught);
    expect(CoreCredentialUnavailableError.isInstance(error)).toBe(true);
    expect(TokenAcquisitionError.isInstance(error)).toBe(false);
    const unavailable = error as CoreCredentialUnavailableError;
    expect(unavailable.code).toBe("CREDENTIAL_UNAVAILABLE");
    expect(unavailable.message).toMatch(
      /^FakeAzureCredential found no identity configured in this environment \(tried: ManagedIdentityCredential\)/,
    );
    expect(unavailable.message).toContain("no managed identity endpoint");
    expect(unavailable).toMatchObject({
      retryable: false,
      cause: { name: "CredentialUnavailableError", message: azure.message },
    });
  });

  it("a chain where every source is unavailable: CREDENTIAL_UNAVAILABLE naming each source", async () => {
    const chain = new AggregateAuthenticationError(
      [
        new CredentialUnavailableError("EnvironmentCredential is unavailable."),
        new CredentialUnavailableError(
          "WorkloadIdentityCredential: no AZURE_FEDERATED_TOKEN_FILE.",
        ),
        new CredentialUnavailableError("AzureCliCredential: az not found."),
      ],
      "DefaultAzureCredential failed to retrieve a token from the included credentials.",
    );
    const error = await new AzureADCredential({ credential: failing(chain) })
      .getToken("api://proxy/.default")
      .catch((caught: unknown) => caught);
    expect(CoreCredentialUnavailableError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      "(tried: EnvironmentCredential, WorkloadIdentityCredential, AzureCliCredential)",
    );
  });

  it("AuthenticationError with an OAuth body: status and error kept, not retryable", async () => {
    const azure = new AuthenticationError(401, {
      error: "invalid_client",
      error_description: "AADSTS7000215: Invalid client secret.",
    });
    const error = await failure(failing(azure));
    expect(error).toMatchObject({
      status: 401,
      oauthError: "invalid_client",
      retryable: false,
      cause: { name: "AuthenticationError", message: expect.stringContaining("AADSTS7000215") },
    });
    expect(error.message).toContain("AADSTS7000215");
  });

  it("Entra text echoing a client secret or a token is redacted from the message", async () => {
    const secret = "Xy8Q~abcDEF123ghiJKL456mnoPQR789stuVWX0yz";
    const jwt = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJhcGk6Ly9wcm94eSJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";
    const azure = new AuthenticationError(401, {
      error: "invalid_client",
      error_description: `AADSTS7000215: Invalid client secret ${secret} provided; last token ${jwt}`,
    });
    const error = await failure(failing(azure));
    expect(error.message).toContain("AADSTS7000215");
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(jwt);
    expect(error.oauthError).toBe("invalid_client");
    // Nor anywhere down the cause chain (util.inspect prints it whole), nor in JSON.
    for (const output of [inspect(error, { depth: 10 }), JSON.stringify(error)]) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(jwt);
    }
  });

  it("AuthenticationError with 503: retryable", async () => {
    const error = await failure(
      failing(
        new AuthenticationError(503, {
          error: "temporarily_unavailable",
          error_description: "busy",
        }),
      ),
    );
    expect(error).toMatchObject({ status: 503, retryable: true });
  });

  it("AggregateAuthenticationError: names the chain, retryable only if a member was", async () => {
    const chain = new AggregateAuthenticationError(
      [
        new CredentialUnavailableError("EnvironmentCredential is unavailable."),
        new AuthenticationError(401, { error: "invalid_client", error_description: "bad secret" }),
      ],
      "DefaultAzureCredential failed to retrieve a token from the included credentials.",
    );
    const error = await failure(failing(chain));
    expect(error.message).toContain("every credential in the chain failed");
    expect(error.message).toContain("DefaultAzureCredential failed");
    expect(error.retryable).toBe(false);
    const transient = new AggregateAuthenticationError([
      new AuthenticationError(500, { error: "server_error", error_description: "x" }),
    ]);
    expect((await failure(failing(transient))).retryable).toBe(true);
  });

  it("anything else is wrapped with the original as cause", async () => {
    const original = new TypeError("boom");
    expect(await failure(failing(original))).toMatchObject({
      cause: { name: "TypeError", message: "boom" },
      retryable: false,
    });
  });
});

describe("AzureADCredential options", () => {
  it("rejects a credential without getToken", () => {
    for (const credential of [{}, "secret", 5, null]) {
      expect(() => new AzureADCredential({ credential } as never)).toThrow(ConfigurationError);
    }
    expect(() => new AzureADCredential(null as never)).toThrow(/options must be an object/);
  });

  it("constructs without options and without touching Azure", () => {
    expect(new AzureADCredential().credentialName).toBe("DefaultAzureCredential");
  });
});
