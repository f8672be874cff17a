import { describe, expect, it } from "vitest";
import { validateAccessToken } from "./access-token.js";
import { InvalidTokenError } from "./errors.js";

const now = 1_800_000_000;

describe("validateAccessToken", () => {
  it("accepts a well-formed token and returns a clean copy", () => {
    const input = {
      token: "eyJ.a.b",
      expiresOn: now + 60,
      refreshAfter: now + 30,
      tokenType: "Bearer",
      extra: 1,
    };
    expect(validateAccessToken(input, now)).toEqual({
      token: "eyJ.a.b",
      expiresOn: now + 60,
      refreshAfter: now + 30,
      tokenType: "Bearer",
    });
  });

  it("names the unit when refreshAfter looks like milliseconds", () => {
    expect(() =>
      validateAccessToken(
        { token: "a", expiresOn: now + 60, refreshAfter: (now + 30) * 1000 },
        now,
      ),
    ).toThrow(/refreshAfter .* looks like milliseconds/);
  });

  it("rejects a tab, a DEL and a non-string tokenType", () => {
    for (const value of [
      { token: "a\tb", expiresOn: now + 60 },
      { token: "a\x7fb", expiresOn: now + 60 },
      { token: "ab", expiresOn: now + 60, tokenType: 7 },
      { token: "ab", expiresOn: now },
      { token: "ab", expiresOn: Number.POSITIVE_INFINITY },
      "a string",
    ]) {
      expect(() => validateAccessToken(value, now)).toThrow(InvalidTokenError);
    }
  });

  it("never echoes the token in its messages", () => {
    try {
      validateAccessToken({ token: "SECRET value", expiresOn: now + 60 }, now);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain("SECRET");
    }
  });
});
