import { describe, expect, it } from "vitest";
import { isReusable, requiredTtlSeconds, shortLifetimeWarning } from "./min-ttl-rule.js";

/** Runs of `proxy-auth token` every `everySeconds` for `forSeconds`: how many grants they make. */
function grants(lifetime: number, minTtl: number, everySeconds: number, forSeconds: number) {
  let entry: { expiresOn: number; refreshAt: number; obtainedAt: number } | undefined;
  let count = 0;
  for (let now = 0; now < forSeconds; now += everySeconds) {
    if (entry === undefined || !isReusable(entry, minTtl, now)) {
      count++;
      // The handler's schedule: refreshed min(60 s, half the lifetime) before expiry.
      entry = {
        obtainedAt: now,
        expiresOn: now + lifetime,
        refreshAt: now + lifetime - Math.min(60, lifetime / 2),
      };
    }
  }
  return count;
}

describe("the --min-ttl rule", () => {
  it("asks for min(--min-ttl, half the token's lifetime)", () => {
    expect(requiredTtlSeconds(300, 3600)).toBe(300);
    expect(requiredTtlSeconds(300, 300)).toBe(150);
    expect(requiredTtlSeconds(600, 300)).toBe(150);
    expect(requiredTtlSeconds(300, 60)).toBe(30);
    expect(requiredTtlSeconds(300, undefined)).toBe(300);
  });

  it("5-minute tokens at the default --min-ttl 300 (and 600): one grant per 2.5 minutes, not one per run", () => {
    // Five runs a few seconds apart.
    expect(grants(300, 300, 5, 25)).toBe(1);
    expect(grants(300, 600, 5, 25)).toBe(1);
    // A run every 10 s for 10 minutes: a grant every 150 s.
    expect(grants(300, 300, 10, 600)).toBe(4);
  });

  it("60-second tokens: reused for their first 30 s", () => {
    expect(grants(60, 300, 5, 25)).toBe(1);
    expect(grants(60, 300, 5, 60)).toBe(2);
    const entry = { obtainedAt: 0, expiresOn: 60, refreshAt: 30 };
    expect(isReusable(entry, 300, 29)).toBe(true);
    expect(isReusable(entry, 300, 30)).toBe(false);
  });

  it("long-lived tokens keep the full --min-ttl", () => {
    const entry = { obtainedAt: 0, expiresOn: 3600, refreshAt: 3540 };
    expect(isReusable(entry, 900, 2699)).toBe(true);
    expect(isReusable(entry, 900, 2700)).toBe(false);
    // Without a recorded lifetime (an older cache file): --min-ttl as given.
    expect(isReusable({ expiresOn: 300, refreshAt: 240 }, 300, 1)).toBe(false);
  });

  it("warns about short-lived tokens with what happens and what to set", () => {
    expect(shortLifetimeWarning(300, 3600)).toBeUndefined();
    const warning = shortLifetimeWarning(300, 299.6);
    expect(warning).toContain("valid for 299 s");
    expect(warning).toContain("more than 149 s left");
    expect(warning).toContain("Set --min-ttl 149 or less");
  });
});
