import { describe, expect, it } from "vitest";
import { proxyAnswerMeaning } from "./proxy-answer.js";

describe("proxyAnswerMeaning", () => {
  it("explains proxy_auth_litellm's 401 reasons", () => {
    const cases: [string, RegExp][] = [
      ["Authentication Error, Token Expired", /expired: compare the clocks/],
      ["Authentication Error, Invalid token (InvalidAudienceError)", /another audience/],
      ["Authentication Error, Invalid token (InvalidIssuerError)", /another issuer/],
      ["Authentication Error, Invalid token (InvalidSignatureError)", /not signed by a key/],
      ["Authentication Error, Invalid token (unknown signing key)", /not signed by a key/],
      ["Authentication Error, Invalid token (algorithm not allowed)", /PROXY_AUTH_ALGORITHMS/],
      ["Authentication Error, Invalid token (missing scope chat)", /lacks a scope/],
      ["Authentication Error, Invalid token (not a JWT)", /opaque token/],
      ["Authentication Error, No bearer token was sent", /dropped the Authorization header/],
      ["Authentication Error, Identity provider keys unavailable", /provider's keys/],
    ];
    for (const [message, meaning] of cases) {
      const answer = proxyAnswerMeaning(401, message);
      expect(answer).toMatchObject({ ok: false, specific: true });
      expect(answer.meaning, message).toMatch(meaning);
    }
  });

  it("tells a 2xx, an unexplained 401, a 403 and a 404 apart", () => {
    expect(proxyAnswerMeaning(200, "")).toMatchObject({ ok: true });
    expect(proxyAnswerMeaning(401, "nope")).toMatchObject({ ok: false, specific: false });
    expect(proxyAnswerMeaning(403, "").meaning).toMatch(/accepted but this call is not allowed/);
    expect(proxyAnswerMeaning(404, "").meaning).toMatch(/--model/);
    expect(proxyAnswerMeaning(502, "").meaning).toMatch(/HTTP 502/);
  });
});
