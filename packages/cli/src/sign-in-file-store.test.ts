import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SignedInPerson } from "@proxy-auth/oauth2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { credentialForCommand } from "./person-credential.js";
import { SignInFileStore, signInFileKey } from "./sign-in-file-store.js";

const person: SignedInPerson = {
  issuer: "https://login.example.com/",
  clientId: "proxy-auth-cli",
  accessToken: { token: "access-token-value-0123456789", expiresOn: 2_000_000_000 },
  refreshToken: "refresh-token-value-0123456789",
  subject: "ada",
};

let home: string;
let store: SignInFileStore;
const key = () => Promise.resolve(new Uint8Array(32).fill(7));
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "proxy-auth-sign-in-"));
  store = new SignInFileStore({ directory: join(home, "state"), profile: "default", key });
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe("SignInFileStore", () => {
  it("clear() never removes a file through a directory that is a link (a shared state directory)", async () => {
    // Someone who can write to the parent points the sign-in directory at another directory of
    // this user: logout must not remove that directory's "default.sign-in".
    const elsewhere = join(home, "elsewhere");
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, "default.sign-in"), "precious", { mode: 0o600 });
    symlinkSync(elsewhere, join(home, "state"));
    await expect(store.clear()).rejects.toThrow(/is not a directory of this user/);
    expect(readFileSync(join(elsewhere, "default.sign-in"), "utf8")).toBe("precious");
  });

  it.runIf(process.getuid?.() === 0)(
    "a sign-in file another user planted does not make commands look for a sign-in",
    async () => {
      // As root the test can be that other user: a planted, empty default.sign-in owned by
      // nobody (uid 65534) in a shared state directory leaves the service credential in use.
      const state = join(home, "state", "proxy-auth");
      mkdirSync(state, { recursive: true });
      writeFileSync(join(state, "default.sign-in"), "");
      chownSync(join(state, "default.sign-in"), 65534, 65534);
      const { description } = await credentialForCommand(
        {
          XDG_STATE_HOME: join(home, "state"),
          XDG_CONFIG_HOME: join(home, "config"),
          PROXY_AUTH_TOKEN_URL: "https://login.example.com/token",
          PROXY_AUTH_CLIENT_ID: "service",
          PROXY_AUTH_CLIENT_SECRET: "service-secret",
        },
        {},
      );
      expect(description).not.toMatch(/sign-in/);
    },
  );

  it("round-trips a sign-in, encrypted on disk", async () => {
    await store.update(async () => person);
    expect(await store.load()).toEqual(person);
    const text = readFileSync(store.path, "utf8");
    expect(text).not.toContain(person.refreshToken);
    expect(text).not.toContain(person.accessToken.token);
    expect(text).not.toContain("ada");
  });

  it("another key or another profile's file cannot be read (and the error holds no token)", async () => {
    await store.update(async () => person);
    const otherKey = new SignInFileStore({
      directory: join(home, "state"),
      profile: "default",
      key: () => Promise.resolve(new Uint8Array(32).fill(8)),
    });
    await expect(otherKey.load()).rejects.toThrow(/another key/);
    const moved = new SignInFileStore({ directory: join(home, "state"), profile: "work", key });
    writeFileSync(moved.path, readFileSync(store.path), { mode: 0o600 });
    const error = await moved.load().catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/cannot be read/);
    expect((error as Error).message).not.toContain(person.refreshToken);
  });

  it("refuses a link and a file others can read", async () => {
    await store.update(async () => person);
    chmodSync(store.path, 0o644);
    await expect(store.load()).rejects.toThrow(/not a private file/);
    chmodSync(store.path, 0o600);
    const link = new SignInFileStore({ directory: join(home, "state"), profile: "linked", key });
    symlinkSync(store.path, link.path);
    await expect(link.load()).rejects.toThrow(/not a private file/);
  });

  it("rejects profile names that could leave the directory", () => {
    for (const profile of ["../x", "a/b", ".hidden", ""]) {
      expect(() => new SignInFileStore({ directory: home, profile, key })).toThrow(/profile/);
    }
  });

  it("the file key: made once (0600), or from PROXY_AUTH_SIGN_IN_KEY, which must be 64 hex", async () => {
    const path = join(home, "config", "sign-in.key");
    const made = await signInFileKey(path, {})();
    expect(made.length).toBe(32);
    expect(await signInFileKey(path, {})()).toEqual(made);
    await expect(signInFileKey(path, { PROXY_AUTH_SIGN_IN_KEY: "short" })()).rejects.toThrow(
      /64 hexadecimal/,
    );
    const given = "ab".repeat(32);
    expect(Buffer.from(await signInFileKey(path, { PROXY_AUTH_SIGN_IN_KEY: given })())).toEqual(
      Buffer.from(given, "hex"),
    );
  });
});
