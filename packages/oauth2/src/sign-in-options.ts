import { ConfigurationError } from "@proxy-auth/core";
import { boundedFetch } from "./bounded-fetch.js";
import { endpointUrl, requiredString } from "./generic-oauth2-credential-options.js";
import { type TokenRequestTransport, tokenRequestTransport } from "./token-request-options.js";

/** What every way of signing a person in takes. */
export interface SignInOptions {
  /** The identity provider's issuer (required): its endpoints are discovered from it. https; http only on loopback. */
  issuer: string;
  /** The public client registered for people (required): no secret, PKCE, refresh tokens. */
  clientId: string;
  /**
   * The scopes asked for, space-separated (required), e.g. `"openid offline_access litellm_proxy_api"`.
   * Most providers issue a refresh token only with `offline_access`.
   */
  scope: string;
  /** RFC 8707 `resource` indicator(s): the proxy the tokens are for. */
  resource?: string | string[];
  /** Timeout for one request to the provider, in milliseconds. Default 10_000. */
  timeoutMs?: number;
  /** The largest answer read from the provider, in bytes. Default 1_048_576. */
  maxResponseBytes?: number;
  /** Transport injection. Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Cancels the sign-in. */
  signal?: AbortSignal;
}

/** {@link SignInOptions} after validation. */
export interface ResolvedSignInOptions extends TokenRequestTransport {
  owner: string;
  issuer: URL;
  clientId: string;
  scope: string;
  resources: string[];
  signal: AbortSignal | undefined;
}

/**
 * Validates the options every sign-in shares; the transport is bounded (`maxResponseBytes`).
 *
 * @throws ConfigurationError naming `owner` and the option to fix.
 */
export function resolveSignInOptions(owner: string, options: unknown): ResolvedSignInOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError(`${owner} needs an options object: { issuer, clientId, scope }.`);
  }
  const given = options as Partial<Record<keyof SignInOptions, unknown>>;
  const resources = given.resource === undefined ? [] : [given.resource].flat();
  const transport = tokenRequestTransport(owner, given);
  if (given.signal !== undefined && !(given.signal instanceof AbortSignal)) {
    throw new ConfigurationError(`${owner}: "signal" must be an AbortSignal.`);
  }
  return {
    owner,
    issuer: endpointUrl(given.issuer, "issuer", owner),
    clientId: requiredString(given.clientId, "clientId", owner),
    scope: requiredString(given.scope, "scope", owner),
    resources: resources.map((resource) => requiredString(resource, "resource", owner)),
    ...transport,
    fetch: boundedFetch(transport.fetch, transport.maxResponseBytes),
    signal: given.signal as AbortSignal | undefined,
  };
}
