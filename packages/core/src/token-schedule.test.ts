import { describe, expect, it } from "vitest";
import { scheduleToken } from "./token-schedule.js";

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
