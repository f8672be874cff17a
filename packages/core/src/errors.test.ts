import { createRequire } from "node:module";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  CredentialUnavailableError,
  ErrorCode,
  InvalidTokenError,
  ProxyAuthError,
  TokenAcquisitionError,
} from "./errors.js";

describe("error classes", () => {
  it("carry stable codes, their own name and the cause", () => {
    const cause = new Error("socket hang up");
    const error = new TokenAcquisitionError("provider unreachable", {
      retryable: true,
      status: 503,
      oauthError: "temporarily_unavailable",
      retryAfterSeconds: 5,
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("TokenAcquisitionError");
    expect(error.code).toBe(ErrorCode.TOKEN_ACQUISITION_FAILED);
    expect(error.cause).toBe(cause);
    expect(error).toMatchObject({ retryable: true, status: 503, retryAfterSeconds: 5 });
    expect(new InvalidTokenError("x").code).toBe("INVALID_TOKEN");
    expect(new ConfigurationError("x").code).toBe("CONFIGURATION_ERROR");
    expect(new TokenAcquisitionError("x").retryable).toBe(false);
  });

  it("each class states its code once: the static code is what instances carry", () => {
    for (const ErrorClass of [
      TokenAcquisitionError,
      InvalidTokenError,
      ConfigurationError,
      CredentialUnavailableError,
    ]) {
      const error = new ErrorClass("x");
      expect(error.code).toBe(ErrorClass.code);
      expect(ErrorClass.isInstance(error)).toBe(true);
    }
    // A third party's subclass gets its own static code the same way.
    class VaultError extends ProxyAuthError {
      static override readonly code = "VAULT_SEALED";
    }
    expect(new VaultError("sealed").code).toBe("VAULT_SEALED");
    expect(new ProxyAuthError("x", "CUSTOM").code).toBe("CUSTOM");
    const unavailable = new CredentialUnavailableError("no managed identity here");
    expect(unavailable).toMatchObject({ code: "CREDENTIAL_UNAVAILABLE", retryable: false });
    expect(TokenAcquisitionError.isInstance(unavailable)).toBe(false);
  });

  it("isInstance tells the classes apart by code", () => {
    const invalid = new InvalidTokenError("bad");
    expect(ProxyAuthError.isInstance(invalid)).toBe(true);
    expect(InvalidTokenError.isInstance(invalid)).toBe(true);
    expect(TokenAcquisitionError.isInstance(invalid)).toBe(false);
    expect(ConfigurationError.isInstance(invalid)).toBe(false);
    expect(ProxyAuthError.isInstance(new Error("plain"))).toBe(false);
    expect(ProxyAuthError.isInstance({ code: "INVALID_TOKEN" })).toBe(false);
    expect(ProxyAuthError.isInstance(null)).toBe(false);
  });

  it("isInstance recognises errors from another installed copy (the built CommonJS entry)", () => {
    const require = createRequire(import.meta.url);
    const otherCopy = require("../dist/index.cjs") as typeof import("./index.js");
    const foreign = new otherCopy.TokenAcquisitionError("from the other copy", { retryable: true });
    expect(foreign instanceof TokenAcquisitionError).toBe(false);
    expect(TokenAcquisitionError.isInstance(foreign)).toBe(true);
    expect(ProxyAuthError.isInstance(foreign)).toBe(true);
    expect(otherCopy.ProxyAuthError.isInstance(new ConfigurationError("local"))).toBe(true);
    expect(otherCopy.InvalidTokenError.isInstance(new ConfigurationError("local"))).toBe(false);
  });

  it("the brand does not show in inspect or JSON", () => {
    const error = new ConfigurationError("bad option");
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: "CONFIGURATION_ERROR",
      name: "ConfigurationError",
    });
    expect(inspect(error)).not.toContain("Symbol(");
  });
});
