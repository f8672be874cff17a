import { expect, it } from "vitest";
import { hostOfHeader, isLoopbackAddress } from "./loopback.js";

it("loopback addresses to listen on, and nothing else", () => {
  for (const address of ["localhost", "127.0.0.1", "127.8.9.10", "::1"]) {
    expect(isLoopbackAddress(address), address).toBe(true);
  }
  for (const address of ["0.0.0.0", "10.0.0.1", "::", "example.com", "api.localhost"]) {
    expect(isLoopbackAddress(address), address).toBe(false);
  }
});

it("the host name of a Host header", () => {
  expect(hostOfHeader("127.0.0.1:4001")).toBe("127.0.0.1");
  expect(hostOfHeader("[::1]:4001")).toBe("[::1]");
  expect(hostOfHeader("Attacker.Example")).toBe("attacker.example");
  expect(hostOfHeader(undefined)).toBeUndefined();
  expect(hostOfHeader("a b")).toBeUndefined();
});
