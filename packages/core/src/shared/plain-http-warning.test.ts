import { describe, expect, it } from "vitest";
import { plainHttpWarning } from "./plain-http-warning.js";

describe("plainHttpWarning (the one plain-http rule of the client and the CLI forwarder)", () => {
  it("warns for plain http to another machine, naming the origin only", () => {
    const warning = plainHttpWarning(new URL("http://user:pw@10.0.0.5:4000/v1?key=secret"));
    expect(warning).toMatch(/^http:\/\/10\.0\.0\.5:4000 is plain http and not on this machine/);
    expect(warning).not.toMatch(/pw|secret|\/v1/);
  });

  it("is silent for https and for this machine", () => {
    for (const url of [
      "https://proxy.example",
      "http://127.0.0.1:4000",
      "http://localhost",
      "http://[::1]:8",
    ]) {
      expect(plainHttpWarning(new URL(url))).toBeUndefined();
    }
  });

  it("warns for names under .localhost (DNS may send them elsewhere)", () => {
    expect(plainHttpWarning(new URL("http://proxy.localhost"))).toBeDefined();
  });
});
