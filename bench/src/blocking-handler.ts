import type { AccessToken, TokenCredential } from "@proxy-auth/core";

/**
 * The comparison the lifecycle chart draws: a handler that refreshes on the caller's path, as
 * LiteLLM's Python `proxy_auth` does (it fetches synchronously once `expires_on <= now + 60`).
 * It is given the same refresh point as proxy-auth (`min(60 s, half the lifetime)` before expiry)
 * and the same single flight, so the only difference drawn is refresh-ahead versus blocking.
 */
export class BlockingHandler {
  #token: AccessToken | undefined;
  #refreshAt = 0;
  #pending: Promise<AccessToken> | undefined;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
    /** Told of each token taken, with its refresh point in epoch milliseconds. */
    private readonly onToken: (token: AccessToken, refreshAt: number) => void = () => {},
  ) {}

  async getAuthHeaders(): Promise<Record<string, string>> {
    const token = this.#token;
    if (token !== undefined && Date.now() < this.#refreshAt) {
      return { Authorization: `Bearer ${token.token}` };
    }
    this.#pending ??= Promise.resolve(this.credential.getToken(this.scope)).finally(() => {
      this.#pending = undefined;
    });
    const fresh = await this.#pending;
    if (fresh !== this.#token) {
      // The first waiter to resume takes the new token; the others find it taken.
      this.#token = fresh;
      this.#refreshAt = refreshPoint(fresh);
      this.onToken(fresh, this.#refreshAt);
    }
    return { Authorization: `Bearer ${fresh.token}` };
  }
}

/** Where a token's refresh window begins, in epoch milliseconds: `min(60 s, half its lifetime)` before expiry. */
export function refreshPoint(token: AccessToken): number {
  const lifetimeSeconds = token.expiresOn - Date.now() / 1000;
  return (token.expiresOn - Math.min(60, lifetimeSeconds / 2)) * 1000;
}
