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
  ) {}

  async getAuthHeaders(): Promise<Record<string, string>> {
    const token = this.#token;
    if (token !== undefined && Date.now() < this.#refreshAt) {
      return { Authorization: `Bearer ${token.token}` };
    }
    this.#pending ??= Promise.resolve(this.credential.getToken(this.scope)).finally(() => {
      this.#pending = undefined;
    });
    this.#token = await this.#pending;
    this.#refreshAt = refreshPoint(this.#token);
    return { Authorization: `Bearer ${this.#token.token}` };
  }
}

/** Where a token's refresh window begins, in epoch milliseconds: `min(60 s, half its lifetime)` before expiry. */
export function refreshPoint(token: AccessToken, obtainedAtMs = Date.now()): number {
  const lifetimeSeconds = token.expiresOn - obtainedAtMs / 1000;
  return (token.expiresOn - Math.min(60, lifetimeSeconds / 2)) * 1000;
}
