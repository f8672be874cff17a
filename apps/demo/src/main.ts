// The proxy-auth demo, first form: a custom credential that issues 4-second tokens, and a
// ProxyAuthHandler serving 20 "requests" over 5 seconds. Watch the handler fetch one token,
// answer from its cache, refresh in the background before expiry, and never block a request
// once warm. Tokens are never printed.
import { type AccessToken, ProxyAuthHandler, type TokenCredential } from "@proxy-auth/core";

const LIFETIME_SECONDS = 4;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(2).padStart(5)} s`;

/** The seed's "custom credential provider": any object with getToken(scope). */
class DemoCredential implements TokenCredential {
  grants = 0;
  async getToken(scope: string): Promise<AccessToken> {
    await new Promise((resolve) => setTimeout(resolve, 100)); // the identity provider's latency
    this.grants++;
    console.log(
      `${elapsed()}  identity provider: grant #${this.grants} for scope "${scope}" (${LIFETIME_SECONDS} s lifetime)`,
    );
    return {
      token: `demo-token-${this.grants}-${crypto.randomUUID()}`,
      expiresOn: Date.now() / 1000 + LIFETIME_SECONDS,
    };
  }
}

const credential = new DemoCredential();
const handler = new ProxyAuthHandler({ credential, scope: "api://my-litellm-proxy/.default" });

const issued = new Set<string>();
let blocked = 0;
let withoutHeader = 0;
for (let request = 1; request <= 20; request++) {
  const before = performance.now();
  const grantsBefore = credential.grants;
  const headers = await handler.getAuthHeaders();
  const waited = performance.now() - before;
  // A request that saw a grant complete while it waited was blocked on the identity provider.
  if (request > 1 && credential.grants !== grantsBefore) blocked++;
  const authorization = headers.Authorization;
  if (authorization === undefined) withoutHeader++;
  else issued.add(authorization);
  console.log(
    `${elapsed()}  request ${String(request).padStart(2)}: Authorization ${authorization ? `Bearer <token #${issued.size}>` : "missing"}, waited ${waited.toFixed(2)} ms`,
  );
  await new Promise((resolve) => setTimeout(resolve, 250));
}

console.log(
  `\nSummary: 20 requests, ${credential.grants} grants, ${issued.size} distinct tokens, ${withoutHeader} without a header, ${blocked} warm requests blocked on the identity provider.`,
);
const ok = withoutHeader === 0 && credential.grants >= 2 && blocked === 0;
console.log(ok ? "Demo finished: every request carried a valid token." : "Demo FAILED: see above.");
process.exit(ok ? 0 : 1);
