import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { unlink } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import type { SignedInPerson, SignInStore } from "@proxy-auth/oauth2";
import { withFileLock } from "./file-lock.js";
import {
  createPrivateFile,
  privateDirectory,
  readPrivateFile,
  writePrivateFile,
} from "./private-file.js";

/** The version of the file layout. */
const FORMAT = "proxy-auth-sign-in/1";
/** A sign-in file is a few kilobytes; a larger one is not ours. */
const MAX_BYTES = 64 * 1024;

/**
 * Where sign-ins live: `$XDG_STATE_HOME/proxy-auth`, or `~/.local/state/proxy-auth` (a relative
 * `XDG_STATE_HOME` is ignored, as the XDG rule says).
 */
export function signInDirectory(environment: Record<string, string | undefined>): string {
  const base = environment.XDG_STATE_HOME;
  return join(
    base !== undefined && isAbsolute(base) ? base : join(homedir(), ".local", "state"),
    "proxy-auth",
  );
}

/** The file of `profile`'s sign-in in `directory` (see {@link signInDirectory}). */
export function signInFilePath(directory: string, profile: string): string {
  return join(directory, `${profile}.sign-in`);
}

/** Options of {@link SignInFileStore}. */
export interface SignInFileStoreOptions {
  /** The private directory of the files (see {@link signInDirectory}). */
  directory: string;
  /** The profile: one file per profile. */
  profile: string;
  /** The 32-byte AES-256-GCM key the file is encrypted with (see {@link signInFileKey}). */
  key: () => Promise<Uint8Array>;
  /** How long `update` waits for another process's update, in milliseconds. Default 30_000. */
  lockWaitMs?: number;
}

/**
 * A person's sign-in in a file encrypted at rest (AES-256-GCM, the profile name bound as
 * associated data), mode 0600 in a 0700 directory of the user, written atomically, never read
 * through a link or from a file others can read. `update` holds a lock file, so processes of
 * one person refresh one at a time and a rotated refresh token is used once.
 */
export class SignInFileStore implements SignInStore {
  readonly #options: SignInFileStoreOptions;

  /** @param options - Directory, profile and key. */
  constructor(options: SignInFileStoreOptions) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(options.profile) || options.profile.startsWith(".")) {
      throw new Error(
        `invalid profile name ${JSON.stringify(options.profile.slice(0, 80))}: use letters, digits, "-", "_" and "." (at most 64)`,
      );
    }
    this.#options = options;
  }

  /** Where the sign-in is kept, for messages. */
  get location(): string {
    return `${this.path} (encrypted)`;
  }

  /** The file of this profile's sign-in. */
  get path(): string {
    return signInFilePath(this.#options.directory, this.#options.profile);
  }

  async load(): Promise<SignedInPerson | undefined> {
    const bytes = await readPrivateFile(this.path, MAX_BYTES);
    if (bytes === undefined) return undefined;
    return this.#decrypt(bytes.toString("utf8"));
  }

  async update(
    change: (current: SignedInPerson | undefined) => Promise<SignedInPerson | undefined>,
  ): Promise<SignedInPerson | undefined> {
    await privateDirectory(this.#options.directory);
    return withFileLock(`${this.path}.lock`, this.#options.lockWaitMs ?? 30_000, async () => {
      const current = await this.load();
      const next = await change(current);
      if (next === undefined) return current;
      await writePrivateFile(this.path, await this.#encrypt(next));
      return next;
    });
  }

  async clear(): Promise<void> {
    // Only in this user's own directory: never through a link to another one.
    await privateDirectory(this.#options.directory);
    await unlink(this.path).catch((error: { code?: string }) => {
      if (error.code !== "ENOENT") throw error;
    });
  }

  async #encrypt(person: SignedInPerson): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", await this.#options.key(), iv);
    cipher.setAAD(Buffer.from(`${FORMAT}:${this.#options.profile}`));
    const data = Buffer.concat([cipher.update(JSON.stringify(person), "utf8"), cipher.final()]);
    return JSON.stringify({
      format: FORMAT,
      iv: iv.toString("base64"),
      data: data.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
    });
  }

  async #decrypt(text: string): Promise<SignedInPerson> {
    try {
      const file = JSON.parse(text) as Record<string, unknown>;
      if (file.format !== FORMAT) throw new Error("another format");
      const decipher = createDecipheriv(
        "aes-256-gcm",
        await this.#options.key(),
        Buffer.from(String(file.iv), "base64"),
      );
      decipher.setAAD(Buffer.from(`${FORMAT}:${this.#options.profile}`));
      decipher.setAuthTag(Buffer.from(String(file.tag), "base64"));
      const plain = Buffer.concat([
        decipher.update(Buffer.from(String(file.data), "base64")),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString("utf8")) as SignedInPerson;
    } catch {
      // Never the content: it could hold a token.
      throw new Error(
        `${this.path} cannot be read (not ours, damaged, or encrypted with another key); sign in again`,
      );
    }
  }
}

/**
 * The file key: `PROXY_AUTH_SIGN_IN_KEY` (64 hex characters) when set, else 32 random bytes kept
 * in `keyPath` (0600, made on first use). With the key in a file of the same user, encryption
 * keeps the sign-in out of plain sight (backups, a grep, a pasted directory listing), not from
 * that user's other programs: the OS keychain does better where there is one.
 */
export function signInFileKey(
  keyPath: string,
  environment: Record<string, string | undefined>,
): () => Promise<Uint8Array> {
  let key: Promise<Uint8Array> | undefined;
  return () => {
    key ??= (async () => {
      const given = environment.PROXY_AUTH_SIGN_IN_KEY;
      if (given !== undefined) {
        if (!/^[0-9a-fA-F]{64}$/.test(given)) {
          throw new Error("PROXY_AUTH_SIGN_IN_KEY must be 64 hexadecimal characters (32 bytes)");
        }
        return Buffer.from(given, "hex");
      }
      await privateDirectory(join(keyPath, ".."));
      const existing = await readPrivateFile(keyPath, 64);
      if (existing !== undefined) {
        if (existing.length !== 32) throw new Error(`${keyPath} is not a 32-byte key`);
        return existing;
      }
      const fresh = randomBytes(32);
      // Two processes making the key at once see one winner, and nobody reads half a key.
      if (await createPrivateFile(keyPath, fresh)) return fresh;
      const winner = await readPrivateFile(keyPath, 64);
      if (winner?.length !== 32) throw new Error(`${keyPath} is not a 32-byte key`);
      return winner;
    })();
    key.catch(() => {
      key = undefined;
    });
    return key;
  };
}
