import { expect, it } from "vitest";
import { isRetryableStatus } from "./retryable-status.js";

it("retries 408, 429 and 5xx, nothing else", () => {
  expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
  expect([200, 400, 401, 403, 404, 409, undefined].some(isRetryableStatus)).toBe(false);
});
