import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from "node:crypto";
import type { AccessToken } from "@proxy-auth/core";

/** The format written: AES-256-GCM whose additional data names the format and the Redis key. */
const ENCRYPTED = "v2.aes-256-gcm:";
/** The first format, whose ciphertexts were not bound to their keys: no longer read. */
const ENCRYPTED_V1 = "v1.aes-256-gcm:";
const PLAIN = "v1.plain:";
/** A refresh lock's owner value when the fleet has a key: a nonce and its MAC. */
const LOCK = "v2.lock:";

/**
 * How tokens are stored: AES-256-GCM with a key derived from the user's (a SHA-256 of it, so
 * any passphrase or raw key works), a fresh 12-byte IV per value, authenticated so that a wrong
 * key or a foreign value is detected rather than misread. The additional authenticated data is
 * the format and the Redis key the value is stored under, so a value copied from one identity's
 * key to another's (by someone who can write to Redis but has no encryption key) fails
 * authentication. Plaintext only when asked for.
 */
export class TokenCipher {
  readonly #key: Buffer | undefined;
  /** The key lock owners are authenticated with: derived from the key, never the key itself. */
  readonly #lockKey: Buffer | undefined;

  constructor(encryptionKey: string | Uint8Array | undefined) {
    this.#key =
      encryptionKey === undefined ? undefined : createHash("sha256").update(encryptionKey).digest();
    this.#lockKey =
      this.#key === undefined
        ? undefined
        : createHmac("sha256", this.#key).update("proxy-auth refresh lock").digest();
  }

  /**
   * A fresh owner value for the refresh lock stored under `lockedUnder`: with a key, a nonce and
   * its MAC (bound to that Redis key), so the fleet can tell its own locks from planted ones.
   */
  lockOwner(lockedUnder: string): string {
    const nonce = randomUUID();
    return this.#lockKey === undefined
      ? nonce
      : `${LOCK}${nonce}.${this.#lockMac(lockedUnder, nonce)}`;
  }

  /**
   * Whether a refresh lock's value was set by a member of this fleet (a holder of the key).
   * Without a key nothing can be told apart: every lock counts as the fleet's.
   */
  isFleetLock(value: string, lockedUnder: string): boolean {
    if (this.#lockKey === undefined) return true;
    if (!value.startsWith(LOCK)) return false;
    const [nonce, mac] = value.slice(LOCK.length).split(".");
    if (nonce === undefined || mac === undefined) return false;
    const expected = Buffer.from(this.#lockMac(lockedUnder, nonce));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #lockMac(lockedUnder: string, nonce: string): string {
    return createHmac("sha256", this.#lockKey as Buffer)
      .update(`${lockedUnder}\n${nonce}`)
      .digest("base64url");
  }

  /** @param storedUnder - The Redis key the value is written to (bound into the ciphertext). */
  seal(token: AccessToken, storedUnder: string): string {
    const json = JSON.stringify(token);
    if (this.#key === undefined) return `${PLAIN}${json}`;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(additionalData(storedUnder));
    const body = Buffer.concat([cipher.update(json, "utf8"), cipher.final()]);
    return `${ENCRYPTED}${Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64")}`;
  }

  /**
   * @param storedUnder - The Redis key the value was read from.
   * @returns The token, or a reason it cannot be read (wrong key, foreign, moved or corrupted value).
   */
  open(value: string, storedUnder: string): { token: AccessToken } | { problem: string } {
    let json: string;
    if (value.startsWith(ENCRYPTED_V1)) {
      return { problem: "the value is in an older format (v1) that is no longer read" };
    }
    if (value.startsWith(ENCRYPTED)) {
      if (this.#key === undefined)
        return { problem: "the value is encrypted but no encryptionKey is set" };
      const bytes = Buffer.from(value.slice(ENCRYPTED.length), "base64");
      if (bytes.length < 12 + 16 + 1) return { problem: "the encrypted value is truncated" };
      try {
        const decipher = createDecipheriv("aes-256-gcm", this.#key, bytes.subarray(0, 12));
        decipher.setAAD(additionalData(storedUnder));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        json = Buffer.concat([
          decipher.update(bytes.subarray(12, bytes.length - 16)),
          decipher.final(),
        ]).toString("utf8");
      } catch {
        return {
          problem:
            "the value does not decrypt with this encryptionKey under this key (another key, moved from another key, or tampered)",
        };
      }
    } else if (value.startsWith(PLAIN)) {
      if (this.#key !== undefined)
        return { problem: "the value is stored in plaintext but an encryptionKey is set" };
      json = value.slice(PLAIN.length);
    } else {
      return { problem: "the value was not written by proxy-auth" };
    }
    try {
      const token = JSON.parse(json) as AccessToken;
      if (typeof token?.token !== "string" || typeof token.expiresOn !== "number")
        return { problem: "the value has no token" };
      return { token };
    } catch {
      return { problem: "the value is not JSON" };
    }
  }
}

function additionalData(storedUnder: string): Buffer {
  return Buffer.from(`${ENCRYPTED}${storedUnder}`, "utf8");
}
