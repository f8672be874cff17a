import { expect, it } from "vitest";
import { decodeToken, describeAudienceAndScope } from "./token-claims.js";

const jwt = (claims: object) =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;

it("--decode's view: claims of a JWT, null for an opaque token, never negative time left", () => {
  expect(decodeToken({ token: jwt({ aud: "x", exp: 1100 }), expiresOn: 1100 }, 1000.5)).toEqual({
    claims: { aud: "x", exp: 1100 },
    expiresOn: 1100,
    expiresInSeconds: 99,
  });
  expect(decodeToken({ token: "opaque", expiresOn: 900 }, 1000)).toEqual({
    claims: null,
    expiresOn: 900,
    expiresInSeconds: 0,
  });
});

it("describes audience and scope (scope or scp), and opaque tokens", () => {
  expect(describeAudienceAndScope(jwt({ aud: "a", scp: ["x", "y"] }))).toBe("aud=a, scope=x y");
  expect(describeAudienceAndScope("not.a-jwt.at-all")).toContain("opaque");
  expect(describeAudienceAndScope(jwt({ aud: "a\nproxy-auth: forged line" }))).toBe(
    "aud=a?proxy-auth: forged line, scope=(none)",
  );
});
