import { REFUSED_REPLACEMENT_MS } from "@proxy-auth/core/internal";

/** The error when the proxy refuses a freshly issued token: the fault is in the configuration. */
export function refusesFreshTokensMessage(origin: string, detail: string): string {
  return `The proxy at ${origin} rejects freshly issued tokens (401 for a token just obtained from the identity provider${detail}); check that the scope or audience the handler requests is the one the proxy expects. The token is not replaced again for ${REFUSED_REPLACEMENT_MS / 1000} s.`;
}
