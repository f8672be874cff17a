import { ConfigurationError, TokenAcquisitionError } from "@proxy-auth/core";
import { describe, expect, it } from "vitest";
import { inEnvironmentTerms } from "./environment-terms.js";
import { createAttemptCounter, explainTokenFailure } from "./token-failure-explanation.js";

const oauth2 = { PROXY_AUTH_TOKEN_URL: "https://idp/token", PROXY_AUTH_CLIENT_ID: "c" };
const refused = (oauthError: string) =>
  new TokenAcquisitionError(`The provider answered HTTP 400 ${oauthError}.`, {
    status: 400,
    oauthError,
  });
const message = (error: unknown) => (error as Error).message;

describe("explainTokenFailure", () => {
  it("names the client authentication the user set", () => {
    const withKey = { ...oauth2, PROXY_AUTH_PRIVATE_KEY_FILE: "/k.pem" };
    expect(message(explainTokenFailure(refused("invalid_client"), 1, withKey, undefined))).toBe(
      "The provider answered HTTP 400 invalid_client (1 attempt). Check PROXY_AUTH_CLIENT_ID and PROXY_AUTH_PRIVATE_KEY_FILE (the key the provider has registered).",
    );
    const azure = { AZURE_TENANT_ID: "t" };
    expect(message(explainTokenFailure(refused("invalid_client"), 1, azure, undefined))).toContain(
      "Check AZURE_TENANT_ID, AZURE_CLIENT_ID",
    );
  });

  it("names the scope as given (flag or variable) and the audience when set", () => {
    expect(message(explainTokenFailure(refused("invalid_scope"), 1, oauth2, undefined))).toContain(
      "Check the scope (PROXY_AUTH_SCOPE)",
    );
    expect(message(explainTokenFailure(refused("invalid_scope"), 1, oauth2, "s"))).toContain(
      "Check the scope (--scope)",
    );
    const audience = { ...oauth2, PROXY_AUTH_AUDIENCE: "https://wrong" };
    expect(
      message(explainTokenFailure(refused("invalid_target"), 1, audience, undefined)),
    ).toContain("Check PROXY_AUTH_AUDIENCE");
  });

  it("keeps the error's fields and cause, and states the attempts", () => {
    const original = new TokenAcquisitionError("The token endpoint answered HTTP 503.", {
      status: 503,
      retryable: true,
      retryAfterSeconds: 2,
    });
    const explained = explainTokenFailure(original, 3, oauth2, undefined) as TokenAcquisitionError;
    expect(explained.message).toBe("The token endpoint answered HTTP 503 (3 attempts).");
    expect([explained.status, explained.retryable, explained.retryAfterSeconds]).toEqual([
      503,
      true,
      2,
    ]);
    expect(explained.cause).toBe(original);
    const other = new Error("not ours");
    expect(explainTokenFailure(other, 1, oauth2, undefined)).toBe(other);
  });

  it("counts the attempts of the last failed acquisition from the handler's events", () => {
    const counter = createAttemptCounter();
    const failed = {
      type: "token.failed",
      scope: "s",
      code: "X",
      retryable: true,
      durationMs: 1,
      servingCached: false,
    } as const;
    counter.onEvent({ ...failed, attempt: 1 });
    counter.onEvent({ ...failed, attempt: 2 });
    expect(counter.attempts).toBe(2);
  });
});

describe("inEnvironmentTerms", () => {
  it("turns option names into the variables that set them", () => {
    const error = new ConfigurationError(
      'GenericOAuth2Credential: "tokenUrl" must use https; "audience" and "unknownOption" stay.',
    );
    expect(message(inEnvironmentTerms(error))).toBe(
      'PROXY_AUTH_TOKEN_URL must use https; PROXY_AUTH_AUDIENCE and "unknownOption" stay.',
    );
    const plain = new ConfigurationError("PROXY_AUTH_SCOPE is not set.");
    expect(inEnvironmentTerms(plain)).toBe(plain);
  });
});
