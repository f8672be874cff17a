import { expect, it } from "vitest";
import { hostOfHeader, isLoopbackHost } from "./loopback.js";

it("loopback names and addresses, and nothing else", () => {
  for (const host of ["localhost", "api.localhost", "127.0.0.1", "127.8.9.10", "[::1]", "::1"]) {
    expect(isLoopbackHost(host), host).toBe(true);
  }
  for (const host of [
    "0.0.0.0",
    "10.0.0.1",
    "::",
    "example.com",
    "127.0.0.1.nip.io",
    "localhost.evil.com",
  ]) {
    expect(isLoopbackHost(host), host).toBe(false);
  }
});

it("the host name of a Host header", () => {
  expect(hostOfHeader("127.0.0.1:4001")).toBe("127.0.0.1");
  expect(hostOfHeader("[::1]:4001")).toBe("[::1]");
  expect(hostOfHeader("evil.example")).toBe("evil.example");
  expect(hostOfHeader(undefined)).toBeUndefined();
  expect(hostOfHeader("a b")).toBeUndefined();
});
