import { ConfigurationError, isLoopbackHost, ProxyAuthError, redact } from "@proxy-auth/core";
import { type Deadline, isHttpsOrLoopback } from "@proxy-auth/core/internal";
import * as oauth from "oauth4webapi";
import { requestFailure, responseFailure } from "./token-endpoint-failure.js";

/** What {@link discoverAuthorizationServer} needs besides the issuer. */
export interface DiscoveryContext {
  /** Who asks, for messages ("GenericOAuth2Credential"). */
  owner: string;
  /** The (bounded) transport. */
  fetch: typeof fetch;
  timeoutMs: number;
  /** Redacted from any text of the answer. */
  secrets: readonly string[];
  /** The metadata fields that must be present; each must be https (http only on loopback). */
  endpoints: readonly string[];
  /** Metadata fields that may be absent; when present, each must be https (http only on loopback). */
  optionalEndpoints?: readonly string[];
  deadline: Deadline;
  callerSignal: AbortSignal | undefined;
}

/**
 * Reads an issuer's metadata from `/.well-known/openid-configuration`, falling back to
 * `/.well-known/oauth-authorization-server` when the first is missing. Every endpoint named in
 * `context.endpoints` must be there and meet the rule a configured URL meets (https, or http on
 * a loopback host): credentials and codes are sent there.
 *
 * @throws ConfigurationError when a required endpoint is missing or not https, else
 *   `TokenAcquisitionError` for a failed or unusable answer.
 */
export async function discoverAuthorizationServer(
  issuer: URL,
  context: DiscoveryContext,
): Promise<oauth.AuthorizationServer> {
  const what = `discovery endpoint of ${issuer.origin}${issuer.pathname}`;
  const insecure = isLoopbackHost(issuer.hostname);
  const { deadline, callerSignal } = context;
  let lastError: unknown;
  for (const algorithm of ["oidc", "oauth2"] as const) {
    let response: Response;
    try {
      response = await oauth.discoveryRequest(issuer, {
        algorithm,
        signal: deadline.signal,
        [oauth.customFetch]: context.fetch,
        [oauth.allowInsecureRequests]: insecure,
      });
    } catch (error) {
      throw requestFailure(error, what, callerSignal, deadline, context.timeoutMs);
    }
    try {
      const server = await oauth.processDiscoveryResponse(issuer, response);
      for (const name of context.endpoints) checkEndpoint(server, name, what, context.owner);
      for (const name of context.optionalEndpoints ?? []) {
        if (server[name] !== undefined) checkEndpoint(server, name, what, context.owner);
      }
      return server;
    } catch (error) {
      if (ProxyAuthError.isInstance(error)) throw error;
      lastError = await responseFailure(error, response, what, context.secrets);
      // Only a missing document is worth the other well-known path.
      if (response.status !== 404) break;
    }
  }
  throw lastError;
}

/**
 * A discovered endpoint must be present and meet the rule a configured one meets. Anything else
 * is a configuration error, not a network failure to retry.
 */
function checkEndpoint(
  server: oauth.AuthorizationServer,
  name: string,
  what: string,
  owner: string,
): void {
  const value = server[name];
  if (typeof value !== "string") {
    throw new ConfigurationError(
      `${owner}: the ${what} names no ${name}; the identity provider does not offer what this needs (or not at this issuer).`,
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {}
  if (url !== undefined && isHttpsOrLoopback(url)) return;
  const shown = url === undefined ? "an invalid URL" : `${url.protocol}//${url.host}`;
  throw new ConfigurationError(
    `${owner}: the ${what} names a ${name} that is not https (${redact(shown, { maxLength: 200 })}); credentials are sent only over https (http only to localhost, 127.0.0.0/8 and [::1]). Fix the provider's metadata or configure the endpoint.`,
  );
}
