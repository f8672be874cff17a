import { describe, expect, it } from "vitest";
import { REDACTED, redact, replaceJoseObjects, secretSpellings } from "./redact.js";

const JWT =
  "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJjbGllbnQiLCJleHAiOjE4MDAwMDAwMDB9.c2lnbmF0dXJlLWJ5dGVz";

describe("redact", () => {
  it("replaces every known secret, also URL- and form-encoded", () => {
    const secret = "s3cr3t/with+chars&=";
    const text = `bad secret ${secret} (${encodeURIComponent(secret)}) client_secret=${new URLSearchParams({ s: secret }).toString().slice(2)}`;
    const result = redact(text, { secrets: [secret, "", undefined] });
    expect(result).not.toContain("s3cr3t");
    expect(result).toBe(`bad secret ${REDACTED} (${REDACTED}) client_secret=${REDACTED}`);
  });

  it("replaces token-shaped strings: JWTs, long opaque tokens, PEM keys, what follows Bearer", () => {
    const opaque = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-";
    const hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n-----END PRIVATE KEY-----";
    const result = redact(
      `jwt ${JWT} opaque ${opaque} hex ${hex} key ${pem} header Bearer short-tok`,
      { maxLength: 1000 },
    );
    for (const secret of [JWT, opaque, hex, "MIIEvQIBADANBgkq", "short-tok"]) {
      expect(result).not.toContain(secret);
    }
    expect(result).toContain("Bearer [redacted]");
  });

  it("keeps readable text: words, OAuth codes, paths, GUID trace ids, realm parameters", () => {
    const text =
      'invalid_client: AADSTS7000215 Invalid client secret provided. Trace ID: 0c4a1f4e-7b1d-4c1e-9a1e-2f6b0d3c4e5f path /adfs/oauth2/v2.0/token-endpoint-for-tenants Bearer realm="proxy"';
    expect(redact(text)).toBe(text);
  });

  it("bounds the length and removes control characters (no forged log lines)", () => {
    expect(redact("x".repeat(10_000), { maxLength: 20 })).toBe(`${"x".repeat(20)}…`);
    expect(redact("line\r\n[WARN] forged\u2028")).toBe("line [WARN] forged ");
  });

  it("redacts a secret that straddles the length bound instead of leaving a prefix", () => {
    const secret = "Zz9-secret-value-Zz9";
    expect(redact(`${"a ".repeat(5)}${secret}`, { secrets: [secret], maxLength: 14 })).toBe(
      `a a a a a ${REDACTED.slice(0, 4)}…`,
    );
  });

  it("redacts a short JWT glued to other text (URL-encoded after an equals sign)", () => {
    const jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.c2ln";
    expect(redact(`redirect?token%3D${jwt} failed`)).toBe(`redirect?token%3D${REDACTED} failed`);
  });

  it("is linear on hostile input (no catastrophic backtracking)", () => {
    const hostile = `${"eyJ.".repeat(50_000)}${"A1a".repeat(50_000)}`;
    const started = performance.now();
    redact(hostile);
    // Generous: the work is bounded by the scanned prefix, whatever the input's size.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("replaceJoseObjects finds what the JOSE regex finds, in linear time", () => {
    const shape = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)+/g;
    const alphabet = ["eyJ", "e", "y", "J", ".", "a", "-", " ", "%3D", "/"];
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 2_000; round++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 12) }, () => {
        return alphabet[Math.floor(random() * alphabet.length)] as string;
      });
      const text = parts.join("");
      expect(replaceJoseObjects(text, "#"), JSON.stringify(text)).toBe(text.replace(shape, "#"));
    }
    // The regex backtracks quadratically on this (300 KB: 6.7 s); the scan takes milliseconds.
    const hostile = "eyJ".repeat(100_000);
    const started = performance.now();
    expect(replaceJoseObjects(hostile)).toBe(hostile);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("secretSpellings: every way an opaque secret is sent or echoed, longest first; a JWT has one", () => {
    expect(secretSpellings(["a/b+c="])).toEqual(
      expect.arrayContaining(["a/b+c=", "a%2Fb%2Bc%3D", "a%2fb%2bc%3d", "a/b%2Bc%3D", "a\\/b+c="]),
    );
    const spellings = secretSpellings(["a/b+c="]);
    expect(spellings).toEqual([...spellings].sort((x, y) => y.length - x.length));
    expect(secretSpellings([JWT, "", undefined])).toEqual([JWT]);
  });
});
