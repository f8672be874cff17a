import { describe, expect, it } from "vitest";
import { lookAgainAt, rescheduleRefresh, scheduleToken, spreadRefresh } from "./token-schedule.js";

const nowMs = 1_800_000_000_000;
const at = (seconds: number) => nowMs + seconds * 1000;
const token = (lifetime: number, refreshAfter?: number) => ({
  token: "t",
  expiresOn: nowMs / 1000 + lifetime,
  ...(refreshAfter === undefined ? {} : { refreshAfter: nowMs / 1000 + refreshAfter }),
});

describe("scheduleToken", () => {
  it("uses the full buffer and margin for long-lived tokens", () => {
    const scheduled = scheduleToken(token(3600), nowMs, 60, 5);
    expect(scheduled.refreshAt).toBe(at(3540));
    expect(scheduled.usableUntil).toBe(at(3595));
    expect(scheduled.authorization).toBe("Bearer t");
  });

  it("caps the buffer at half the lifetime and the margin at half the buffer", () => {
    const scheduled = scheduleToken(token(8), nowMs, 60, 5);
    expect(scheduled.refreshAt).toBe(at(4));
    expect(scheduled.usableUntil).toBe(at(6));
  });

  it("lets refreshAfter bring the refresh earlier, never later", () => {
    expect(scheduleToken(token(3600, 1800), nowMs, 60, 5).refreshAt).toBe(at(1800));
    expect(scheduleToken(token(3600, 3599), nowMs, 60, 5).refreshAt).toBe(at(3540));
  });

  it("never refreshes sooner than min(30 s, half the remaining life) after obtaining", () => {
    expect(scheduleToken(token(3600, -60), nowMs, 60, 5).refreshAt).toBe(at(30));
    expect(scheduleToken(token(20, -60), nowMs, 60, 5).refreshAt).toBe(at(10));
  });

  it("freezes the scheduled token and the AccessToken it holds", () => {
    const scheduled = scheduleToken(token(3600), nowMs, 60, 5);
    expect(Object.isFrozen(scheduled)).toBe(true);
    expect(Object.isFrozen(scheduled.accessToken)).toBe(true);
  });

  it("with a zero buffer serves the token until expiry", () => {
    const scheduled = scheduleToken(token(100), nowMs, 0, 5);
    expect(scheduled.refreshAt).toBe(at(100));
    expect(scheduled.usableUntil).toBe(at(100));
  });
});

describe("spreadRefresh and lookAgainAt (handlers sharing a cache)", () => {
  it("each handler refreshes at its own point of the first three quarters of the window", () => {
    const scheduled = scheduleToken(token(3600), nowMs, 60, 5); // window 3540 s → 3595 s
    expect(spreadRefresh(scheduled, 0).refreshAt).toBe(at(3540));
    expect(spreadRefresh(scheduled, 0.5).refreshAt).toBe(at(3540 + 0.5 * 0.75 * 55));
    expect(spreadRefresh(scheduled, 0.999_999).refreshAt).toBeLessThan(at(3540 + 0.75 * 55));
    expect(spreadRefresh(scheduled, 0.5).usableUntil).toBe(scheduled.usableUntil);
    expect(spreadRefresh(scheduled, 0.5).authorization).toBe("Bearer t");
    expect(Object.isFrozen(spreadRefresh(scheduled, 0.5))).toBe(true);
  });

  it("never moves a refresh past the point the token stops being usable", () => {
    const scheduled = scheduleToken(token(3600), nowMs, 60, 5);
    expect(spreadRefresh(scheduled, 5).refreshAt).toBe(scheduled.usableUntil);
    expect(rescheduleRefresh(scheduled, at(99_999)).refreshAt).toBe(scheduled.usableUntil);
  });

  it("looks again after about a second, backing off, never past half the usable time left", () => {
    const scheduled = scheduleToken(token(3600), nowMs, 60, 5);
    const now = at(3550); // 45 s of usable time left
    expect(lookAgainAt(scheduled, now, 1, () => 0)).toBe(now + 500);
    expect(lookAgainAt(scheduled, now, 1, () => 0.999_999)).toBeLessThan(now + 1_000);
    expect(lookAgainAt(scheduled, now, 3, () => 0)).toBe(now + 2_000);
    expect(lookAgainAt(scheduled, now, 20, () => 0.999_999)).toBeLessThanOrEqual(now + 22_500);
    // Close to the end: at least 100 ms apart, or the end itself.
    expect(lookAgainAt(scheduled, at(3594.9), 1, () => 0)).toBe(at(3595));
  });
});
