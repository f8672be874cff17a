import { describe, expect, it } from "vitest";
import { ConfigurationError } from "./errors.js";
import { ProxyAuthHandler } from "./proxy-auth-handler.js";

const credential = { getToken: () => ({ token: "t", expiresOn: Date.now() / 1000 + 60 }) };

describe("ProxyAuthHandler options", () => {
  const bad: [string, unknown, RegExp][] = [
    ["no options", undefined, /needs an options object/],
    ["a missing credential", { scope: "s" }, /"credential" is required/],
    ["a string credential", { credential: "secret-ish", scope: "s" }, /got a string/],
    ["a credential without getToken", { credential: {}, scope: "s" }, /no getToken/],
    ["an empty scope", { credential, scope: "" }, /"scope" must be a non-empty string/],
    ["a blank scope", { credential, scope: "   " }, /"scope"/],
    ["a numeric scope", { credential, scope: 5 }, /"scope"/],
    [
      "a negative buffer",
      { credential, scope: "s", refreshBufferSeconds: -1 },
      /"refreshBufferSeconds"/,
    ],
    [
      "a string buffer",
      { credential, scope: "s", refreshBufferSeconds: "60" },
      /"refreshBufferSeconds"/,
    ],
    ["a NaN buffer", { credential, scope: "s", refreshBufferSeconds: Number.NaN }, /got NaN/],
    [
      "an unknown onTokenError",
      { credential, scope: "s", onTokenError: "ignore" },
      /"warn" or "throw"/,
    ],
    ["a logger without warn", { credential, scope: "s", logger: {} }, /"logger"/],
    ["a non-function clock", { credential, scope: "s", now: 5 }, /"now" must be a function/],
    ["zero attempts", { credential, scope: "s", retry: { attempts: 0 } }, /"retry.attempts"/],
    [
      "a zero credential timeout",
      { credential, scope: "s", credentialTimeoutMs: 0 },
      /"credentialTimeoutMs"/,
    ],
  ];
  it.each(bad)(
    "rejects %s with a ConfigurationError that says what to change",
    (_, options, message) => {
      const construct = () => new ProxyAuthHandler(options as never);
      expect(construct).toThrow(ConfigurationError);
      expect(construct).toThrow(message);
    },
  );

  it("never echoes a wrong value that could be a secret", () => {
    try {
      new ProxyAuthHandler({ credential: "client-secret-value" as never, scope: "s" });
    } catch (error) {
      expect((error as Error).message).not.toContain("client-secret-value");
    }
  });

  it("exposes credential and scope", () => {
    const handler = new ProxyAuthHandler({ credential, scope: "litellm_proxy_api" });
    expect(handler.credential).toBe(credential);
    expect(handler.scope).toBe("litellm_proxy_api");
    expect(handler.onTokenError).toBe("warn");
    expect(
      new ProxyAuthHandler({ credential, scope: "s", onTokenError: "throw" }).onTokenError,
    ).toBe("throw");
  });
});
