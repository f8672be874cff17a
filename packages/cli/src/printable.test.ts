import { expect, it } from "vitest";
import { printable } from "./printable.js";

it("drops escape sequences and line breaks a hostile provider could send, and bounds the length", () => {
  expect(printable("https://idp.example.com/device\u001b[2J\r\nFAKE LINE\u2028")).toBe(
    "https://idp.example.com/device[2JFAKE LINE",
  );
  expect(printable("ABCD-EFGH", 40)).toBe("ABCD-EFGH");
  expect(printable("x".repeat(50), 40)).toBe(`${"x".repeat(40)}…`);
});

it("drops bidirectional overrides and other invisible format characters (a spoofed address)", () => {
  // U+202E turns the rest of the line around on screen: "https://evil.example/moc.elpmaxe-pdi"
  // would read as a trusted address. Zero-width characters hide in a user code.
  expect(printable("https://evil.example/\u202Emoc.elpmaxe-pdi\u202C")).toBe(
    "https://evil.example/moc.elpmaxe-pdi",
  );
  expect(printable("AB\u200BCD-\u2066EF\u2069GH\uFEFF")).toBe("ABCD-EFGH");
});
