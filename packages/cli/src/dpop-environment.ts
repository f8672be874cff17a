import { ConfigurationError } from "@proxy-auth/core";
import { dpopProverOf } from "@proxy-auth/core/internal";

/**
 * `PROXY_AUTH_DPOP`: `true`/`1` asks for DPoP-bound tokens (a key made in memory for this
 * process), `false`/`0` or unset for bearer tokens.
 *
 * @throws ConfigurationError for any other value.
 */
export function dpopFromEnvironment(value: string | undefined): boolean {
  if (value === undefined || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  throw new ConfigurationError('PROXY_AUTH_DPOP must be "true" or "false".');
}

/**
 * Entra ID issues no DPoP-bound tokens: `PROXY_AUTH_DPOP=true` with the Azure credential would
 * silently give bearer tokens, so it is refused.
 *
 * @throws ConfigurationError when `PROXY_AUTH_DPOP` asks for DPoP.
 */
export function refuseDPoPForAzure(value: string | undefined): void {
  if (!dpopFromEnvironment(value)) return;
  throw new ConfigurationError(
    "PROXY_AUTH_DPOP=true needs a generic OAuth2 client (PROXY_AUTH_TOKEN_URL, PROXY_AUTH_CLIENT_ID…): Entra ID (the AZURE_* credential) issues no DPoP-bound tokens.",
  );
}

/**
 * `proxy-auth token` cannot hand out a DPoP-bound token: every request needs a fresh proof of a
 * key that never leaves this process. `serve` and `exec` add the proofs.
 *
 * @throws ConfigurationError when the credential issues DPoP-bound tokens.
 */
export function refuseDPoPForPrinting(credential: unknown): void {
  if (dpopProverOf(credential) === undefined) return;
  throw new ConfigurationError(
    "proxy-auth token cannot print a DPoP-bound token (PROXY_AUTH_DPOP): each request needs a fresh proof signed by a key that stays in this process. Use `proxy-auth serve` or `proxy-auth exec -- COMMAND`, which add the proofs.",
  );
}
