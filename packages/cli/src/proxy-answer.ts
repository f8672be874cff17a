/** What a proxy's answer to a test call means, and what to change. */
export interface ProxyAnswerMeaning {
  /** Whether the call succeeded (a 2xx). */
  ok: boolean;
  /** One sentence. */
  meaning: string;
  /** Whether the proxy's message named the reason (else the meaning is only the status's). */
  specific: boolean;
}

/** LiteLLM's (and proxy_auth_litellm's) 401 reasons, most specific first. */
const REASONS: readonly [RegExp, string][] = [
  [
    /Token Expired/i,
    "the proxy found the token expired: compare the clocks above (proxy-auth itself replays once with a new token)",
  ],
  [
    /InvalidAudience|audience|"aud"/i,
    "the proxy expects another audience: the token's aud (above) must be the proxy's PROXY_AUTH_AUDIENCE; change the client's scope or audience",
  ],
  [
    /InvalidIssuer|issuer|"iss"/i,
    "the proxy expects another issuer: the token's iss (above) must be exactly the proxy's PROXY_AUTH_ISSUER",
  ],
  [
    /InvalidSignature|unknown signing key|signature/i,
    "the token is not signed by a key the proxy trusts: a token of another provider or tenant",
  ],
  [
    /algorithm not allowed/i,
    "the token's signing algorithm is not in the proxy's PROXY_AUTH_ALGORITHMS",
  ],
  [
    /missing scope|lacks the scope/i,
    "the token lacks a scope the proxy requires: grant it to the client",
  ],
  [/missing role/i, "the token lacks a role the proxy requires: assign it to the client"],
  [
    /not a JWT/i,
    "the provider issued an opaque token: request an access token for the proxy's API",
  ],
  [
    /No bearer token|No api key|missing bearer token/i,
    "the proxy saw no token: something between here and the proxy dropped the Authorization header",
  ],
  [
    /keys unavailable/i,
    "the proxy cannot fetch the provider's keys: check the proxy's network path to the JWKS",
  ],
];

/**
 * Explains the status and (already redacted) error message of the proxy's answer to a test call.
 */
export function proxyAnswerMeaning(status: number, message: string): ProxyAnswerMeaning {
  if (status >= 200 && status < 300)
    return { ok: true, meaning: "the proxy accepted the token", specific: true };
  if (status === 401) {
    const reason = REASONS.find(([pattern]) => pattern.test(message));
    return reason === undefined
      ? {
          ok: false,
          meaning: "the proxy refused the token (its message is above)",
          specific: false,
        }
      : { ok: false, meaning: reason[1], specific: true };
  }
  if (status === 403) {
    return {
      ok: false,
      specific: false,
      meaning:
        "the token was accepted but this call is not allowed (scope, model access, budget or team limits)",
    };
  }
  if (status === 400 || status === 404) {
    return {
      ok: false,
      specific: false,
      meaning:
        "the token passed the proxy's check, but the call was refused: name a model the proxy serves (--model), and check --target is the proxy's base URL",
    };
  }
  if (status === 429)
    return {
      ok: false,
      meaning: "the token passed; the proxy's rate limit refused the call",
      specific: false,
    };
  return {
    ok: false,
    meaning: `the proxy failed (HTTP ${status}): its own log says why`,
    specific: false,
  };
}
