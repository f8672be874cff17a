import type { AccessToken } from "@proxy-auth/core";

/**
 * A person's sign-in: what a sign-in flow returns and what a {@link SignInStore} keeps. The
 * refresh token and the access token are secrets: store them only where
 * `SignInStore` implementations put them (the OS keychain, an encrypted file).
 */
export interface SignedInPerson {
  /** The issuer the person signed in with. */
  issuer: string;
  /** The public client used. */
  clientId: string;
  /** The latest access token. */
  accessToken: AccessToken;
  /** The latest refresh token; absent when the provider issued none (then the sign-in ends with the access token). */
  refreshToken?: string;
  /** The scopes granted, space-separated, when the provider said. */
  scope?: string;
  /** The person's `sub` from the validated ID token (ask for `openid`), when there was one. */
  subject?: string;
  /** The RFC 8707 resources asked for. */
  resource?: string[];
}

/**
 * Where a person's sign-in is kept between runs. `update` must be atomic against other callers
 * (and, for a store shared by processes, other processes): a rotated refresh token is used once.
 */
export interface SignInStore {
  /** The stored sign-in, if any. */
  load(): Promise<SignedInPerson | undefined>;
  /**
   * Runs `change` on the stored sign-in while no other `update` of this store runs, and stores
   * what it returns (`undefined` stores nothing new). Resolves to the stored result.
   */
  update(
    change: (current: SignedInPerson | undefined) => Promise<SignedInPerson | undefined>,
  ): Promise<SignedInPerson | undefined>;
  /** Forgets the sign-in. */
  clear(): Promise<void>;
}
