import { unlink } from "node:fs/promises";
import { join } from "node:path";
import type { SignedInPerson, SignInStore } from "@proxy-auth/oauth2";
import { withFileLock } from "./file-lock.js";
import { privateDirectory, writePrivateFile } from "./private-file.js";

/** The keychain's service name for sign-ins; the account is the profile. */
export const KEYCHAIN_SERVICE = "proxy-auth";

/** One keychain entry, as `@napi-rs/keyring`'s `Entry` has it. */
export interface KeychainEntry {
  getPassword(): string | null;
  setPassword(password: string): void;
  deletePassword(): boolean;
}

/**
 * The empty file that says the sign-in of `profile` is in the keychain, in the sign-in
 * directory: commands look for it before they load the keychain binding, so a run with no
 * sign-in (a service credential) never touches the keychain (no D-Bus round trip, no unlock
 * prompt, ~30 ms less per `proxy-auth token`).
 */
export function keychainMarkerPath(directory: string, profile: string): string {
  return join(directory, `${profile}.keychain`);
}

/** Held in a variable so bundlers leave the optional native module alone. */
const KEYRING = "@napi-rs/keyring";

/**
 * The OS keychain entry of `profile` (macOS Keychain, Windows Credential Manager, the Linux
 * Secret Service — never the Linux kernel keyring, which forgets at logout), or `undefined`
 * when there is no usable keychain here (no binding for the platform, no Secret Service on the
 * session bus, a locked or refused keychain).
 */
export async function keychainEntry(profile: string): Promise<KeychainEntry | undefined> {
  try {
    const { Entry } = (await import(KEYRING)) as typeof import("@napi-rs/keyring");
    const entry = new Entry(KEYCHAIN_SERVICE, profile, { linux: { store: "secret-service" } });
    entry.getPassword(); // a probe: throws where the keychain cannot be reached
    return entry;
  } catch {
    return undefined;
  }
}

/**
 * A person's sign-in in the OS keychain (service `proxy-auth`, account the profile). `update`
 * holds a lock file in `lockDirectory`, so processes of one person refresh one at a time, and
 * leaves the marker ({@link keychainMarkerPath}) there; `clear` removes both.
 */
export class SignInKeychainStore implements SignInStore {
  readonly #entry: KeychainEntry;
  readonly #profile: string;
  readonly #lockDirectory: string;

  /**
   * @param entry - The keychain entry (see {@link keychainEntry}).
   * @param profile - The profile (the entry's account).
   * @param lockDirectory - A private directory for the lock file.
   */
  constructor(entry: KeychainEntry, profile: string, lockDirectory: string) {
    this.#entry = entry;
    this.#profile = profile;
    this.#lockDirectory = lockDirectory;
  }

  /** Where the sign-in is kept, for messages. */
  get location(): string {
    return `the OS keychain (service "${KEYCHAIN_SERVICE}", account "${this.#profile}")`;
  }

  async load(): Promise<SignedInPerson | undefined> {
    const text = this.#entry.getPassword();
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as SignedInPerson;
    } catch {
      // Never the content: it could hold a token.
      throw new Error(`the keychain entry of profile "${this.#profile}" is not a sign-in`);
    }
  }

  async update(
    change: (current: SignedInPerson | undefined) => Promise<SignedInPerson | undefined>,
  ): Promise<SignedInPerson | undefined> {
    await privateDirectory(this.#lockDirectory);
    const lock = join(this.#lockDirectory, `${this.#profile}.keychain.lock`);
    return withFileLock(lock, 30_000, async () => {
      const current = await this.load();
      const next = await change(current);
      if (next === undefined) return current;
      this.#entry.setPassword(JSON.stringify(next));
      await writePrivateFile(keychainMarkerPath(this.#lockDirectory, this.#profile), "");
      return next;
    });
  }

  async clear(): Promise<void> {
    this.#entry.deletePassword();
    await unlink(keychainMarkerPath(this.#lockDirectory, this.#profile)).catch(
      (error: { code?: string }) => {
        if (error.code !== "ENOENT") throw error;
      },
    );
  }
}
