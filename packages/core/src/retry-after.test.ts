import { describe, expect, it } from "vitest";
import { parseRetryAfterSeconds } from "./retry-after.js";

describe("parseRetryAfterSeconds", () => {
  const now = Date.parse("2026-11-28T10:00:00Z");
  it("reads delay-seconds", () => {
    expect(parseRetryAfterSeconds("120", now)).toBe(120);
    expect(parseRetryAfterSeconds(" 0 ", now)).toBe(0);
  });
  it("reads an HTTP-date relative to now, never negative", () => {
    expect(parseRetryAfterSeconds("Sat, 28 Nov 2026 10:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfterSeconds("Sat, 28 Nov 2026 09:00:00 GMT", now)).toBe(0);
  });
  it("returns undefined for absent or unreadable values", () => {
    expect(parseRetryAfterSeconds(null, now)).toBeUndefined();
    expect(parseRetryAfterSeconds(undefined, now)).toBeUndefined();
    expect(parseRetryAfterSeconds("soon", now)).toBeUndefined();
    expect(parseRetryAfterSeconds("-5", now)).toBeUndefined();
  });
  it("returns undefined for a number too large to be finite (a 400-digit value)", () => {
    expect(parseRetryAfterSeconds("9".repeat(400), now)).toBeUndefined();
  });
});
