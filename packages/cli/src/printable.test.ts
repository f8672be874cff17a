import { expect, it } from "vitest";
import { printable } from "./printable.js";

it("drops escape sequences and line breaks a hostile provider could send, and bounds the length", () => {
  expect(printable("https://idp.example.com/device\u001b[2J\r\nFAKE LINE\u2028")).toBe(
    "https://idp.example.com/device[2JFAKE LINE",
  );
  expect(printable("ABCD-EFGH", 40)).toBe("ABCD-EFGH");
  expect(printable("x".repeat(50), 40)).toBe(`${"x".repeat(40)}…`);
});
