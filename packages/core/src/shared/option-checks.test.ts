import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../errors.js";
import { consoleLogger } from "../logger.js";
import {
  functionOption,
  httpUrlOption,
  loggerOption,
  numberOption,
  stringOption,
} from "./option-checks.js";

describe("option checks: one style, what was given and what to change", () => {
  it("numbers: the fallback when absent, else a finite (or whole) number above the minimum", () => {
    expect(numberOption("X", "n", undefined, 7)).toBe(7);
    expect(numberOption("X", "n", 3, 7)).toBe(3);
    expect(() => numberOption("X", "n", -1, 7)).toThrow(
      'X: "n" must be a finite number of at least 0 (got -1).',
    );
    expect(() => numberOption("X", "n", 1.5, 7, { minimum: 1, integer: true })).toThrow(
      'X: "n" must be a whole number of at least 1 (got 1.5).',
    );
    expect(() => numberOption("X", "n", Number.NaN, 7)).toThrow("(got NaN)");
  });

  it("strings and functions; a wrong string is never echoed (it could be a secret)", () => {
    expect(() => stringOption("X", "clientId", undefined)).toThrow(
      'X: "clientId" is required and must be a non-empty string (got undefined).',
    );
    expect(() => stringOption("X", "clientId", "")).toThrow("(got an empty string)");
    expect(() => functionOption("X", "now", "s3cr3t-value", Date.now)).toThrow(
      'X: "now" must be a function (got a string).',
    );
    expect(functionOption("X", "now", undefined, Date.now)).toBe(Date.now);
  });
});

describe("loggerOption: one rule for every package's logger", () => {
  it("the console when absent; any object with warn(); anything else is named, not echoed", () => {
    expect(loggerOption("Owner", "logger", undefined)).toBe(consoleLogger);
    const logger = { warn: () => {} };
    expect(loggerOption("Owner", "logger", logger)).toBe(logger);
    expect(() => loggerOption("Owner", "logger", { warning: () => {} })).toThrow(
      'Owner: "logger" must be an object with a warn(message) method (got object).',
    );
    expect(() => loggerOption("Owner", "logger", "secret")).toThrow("(got a string)");
  });
});

describe("httpUrlOption (the one rule for where requests go)", () => {
  it("gives the URL for http and https", () => {
    expect(httpUrlOption("apiBase", "https://p.example/v1").href).toBe("https://p.example/v1");
    expect(httpUrlOption("apiBase", "http://127.0.0.1:4000").port).toBe("4000");
  });

  it("names each broken rule, never echoing the value", () => {
    const cases: [unknown, RegExp, object?][] = [
      [undefined, /apiBase must be a URL such as "https:\/\/my-proxy.example.com"/],
      ["", /must be a URL such as/],
      ["my-proxy", /apiBase is not a valid URL/],
      ["ftp://p.example", /must be an http or https URL/],
      [
        "https://user:hunter2@p.example",
        /must not carry a user name or password; use the token/,
        { credentialsHint: "use the token" },
      ],
      ["https://p.example/?key=hunter2", /must not carry a query or a fragment/, { bare: true }],
      ["https://p.example/#hunter2", /must not carry a query or a fragment/, { bare: true }],
    ];
    for (const [value, message, rules] of cases) {
      let thrown: unknown;
      try {
        httpUrlOption("apiBase", value, rules);
      } catch (error) {
        thrown = error;
      }
      expect(ConfigurationError.isInstance(thrown)).toBe(true);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toMatch(/hunter2/);
    }
    expect(httpUrlOption("apiBase", "https://p.example/?a=1").search).toBe("?a=1");
  });
});
