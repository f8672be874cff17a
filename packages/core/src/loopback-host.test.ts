import { describe, expect, it } from "vitest";
import { isHttpsOrLoopback } from "./loopback-host.js";

describe("isHttpsOrLoopback: where a credential may be sent", () => {
  it.each([
    ["https://idp.example.com/token", true],
    ["http://127.0.0.1:8080/token", true],
    ["http://localhost/token", true],
    ["http://[::1]:9/token", true],
    ["http://idp.example.com/token", false],
    ["http://idp.localhost/token", false],
    ["ftp://127.0.0.1/token", false],
  ])("%s → %s", (url, allowed) => {
    expect(isHttpsOrLoopback(new URL(url))).toBe(allowed);
  });
});
