import { ConfigurationError } from "@proxy-auth/core";
import { describe, expect, it } from "vitest";
import { createRedisTokenCache } from "./redis-token-cache.js";

// Options are checked before any connection is made: no Redis server is needed here.
const base = { url: "redis://127.0.0.1:1", allowPlaintext: true } as const;

describe("createRedisTokenCache options, through core's option vocabulary", () => {
  it.each([0, -5, 1.5, Number.NaN, "300"])(
    "commandTimeoutMs %s is a ConfigurationError",
    (value) => {
      expect(() => createRedisTokenCache({ ...base, commandTimeoutMs: value as number })).toThrow(
        ConfigurationError,
      );
      expect(() => createRedisTokenCache({ ...base, commandTimeoutMs: value as number })).toThrow(
        /"commandTimeoutMs" must be a whole number of at least 1/,
      );
    },
  );

  it("a logger without warn() is a ConfigurationError", () => {
    const logger = { info: () => {} } as never;
    expect(() => createRedisTokenCache({ ...base, logger })).toThrow(
      /createRedisTokenCache: "logger" must be an object with a warn\(message\) method/,
    );
  });
});
