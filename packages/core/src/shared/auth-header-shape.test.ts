import { describe, expect, it } from "vitest";
import { ConfigurationError, ProxyAuthError } from "../errors.js";
import { resolveAuthHeader } from "./auth-header-shape.js";

describe("resolveAuthHeader", () => {
  it("defaults to Authorization: Bearer", () => {
    const shape = resolveAuthHeader(undefined, "test");
    expect([shape.name, shape.value("t0k")]).toEqual(["Authorization", "Bearer t0k"]);
    expect(resolveAuthHeader({}, "test").value("t0k")).toBe("Bearer t0k");
  });

  it("takes a header name and a scheme; null or an empty scheme sends the bare token", () => {
    const cloudflare = resolveAuthHeader({ header: "cf-aig-authorization" }, "test");
    expect([cloudflare.name, cloudflare.value("t0k")]).toEqual([
      "cf-aig-authorization",
      "Bearer t0k",
    ]);
    expect(
      resolveAuthHeader({ header: "x-portkey-api-key", scheme: null }, "test").value("t0k"),
    ).toBe("t0k");
    expect(resolveAuthHeader({ header: "x-api-key", scheme: "" }, "test").value("t0k")).toBe("t0k");
    expect(resolveAuthHeader({ scheme: "Token" }, "test").value("t0k")).toBe("Token t0k");
  });

  it.each([
    ["an empty name", { header: "" }],
    ["a name with a space", { header: "x api key" }],
    ["a name with CR/LF (header injection)", { header: "x-key\r\nx-evil: 1" }],
    ["a name with a colon", { header: "x-key:" }],
    ["a non-ASCII name", { header: "x-clé" }],
    ["a name that frames the request", { header: "Content-Length" }],
    ["Host", { header: "host" }],
    ["a name that is not a string", { header: 42 as unknown as string }],
    ["a scheme with a space", { scheme: "Bearer token" }],
    ["a scheme with CR/LF", { scheme: "Bearer\r\nx-evil:" }],
    ["a scheme that is not a string", { scheme: 1 as unknown as string }],
  ])("refuses %s with a ConfigurationError", (_, shape) => {
    let thrown: unknown;
    try {
      resolveAuthHeader(shape, "createAuthFetch");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect(ProxyAuthError.isInstance(thrown)).toBe(true);
    expect((thrown as ConfigurationError).code).toBe("CONFIGURATION_ERROR");
    expect((thrown as Error).message).toMatch(/^createAuthFetch: "(header|scheme)"/);
  });
});
