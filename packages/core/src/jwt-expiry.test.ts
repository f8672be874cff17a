import { describe, expect, it } from "vitest";
import { jwtExpiry } from "./jwt-expiry.js";

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const jwt = (claims: unknown) => `${encode({ alg: "RS256" })}.${encode(claims)}.signature`;

describe("jwtExpiry", () => {
  it("reads exp from a JWT, base64url with and without padding needs", () => {
    expect(jwtExpiry(jwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000);
    expect(jwtExpiry(jwt({ exp: 1_800_000_000, sub: "a~b?c>" }))).toBe(1_800_000_000);
  });
  it("returns undefined for opaque tokens, malformed payloads and non-numeric exp", () => {
    expect(jwtExpiry("opaque-token")).toBeUndefined();
    expect(jwtExpiry("a.%%%.c")).toBeUndefined();
    expect(jwtExpiry(jwt({ exp: "soon" }))).toBeUndefined();
    expect(jwtExpiry(jwt({ sub: "x" }))).toBeUndefined();
  });
});
