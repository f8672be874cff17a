import { ConfigurationError, isLoopbackHost, ProxyAuthError } from "@proxy-auth/core";
import * as oauth from "oauth4webapi";
import { endpointUrl } from "./generic-oauth2-credential-options.js";
import { resolveSignInOptions, type SignInOptions } from "./sign-in-options.js";
import { send, step } from "./sign-in-request.js";
import { responseFailure } from "./token-endpoint-failure.js";

/** What a gateway says about itself (RFC 9728 protected resource metadata). */
export interface ProtectedResource {
  /** The resource identifier: send it as the RFC 8707 `resource`. */
  resource: string;
  /** The issuers that issue tokens for it, in its order of preference. */
  authorizationServers: string[];
  /** The scopes it understands, when it says. */
  scopes?: string[];
}

/** Options of {@link discoverProtectedResource}. */
export type DiscoverProtectedResourceOptions = Pick<
  SignInOptions,
  "timeoutMs" | "maxResponseBytes" | "fetch" | "signal"
>;

const OWNER = "discoverProtectedResource";

/**
 * Finds out, from the gateway's address only, which identity provider issues its tokens, with
 * which scopes and which resource identifier — as MCP clients do: reads
 * `/.well-known/oauth-protected-resource` (RFC 9728), else asks the gateway without a token and
 * follows a `WWW-Authenticate: Bearer resource_metadata="…"` answer. The metadata's `resource`
 * must be the gateway's address (a gateway cannot speak for another), and every URL must be https
 * (http only on loopback).
 *
 * @param url - The gateway, e.g. `"https://my-proxy.example.com"`.
 * @returns The metadata, or `undefined` when the gateway publishes none.
 * @throws `ConfigurationError` for a URL that is not https, metadata naming another resource or
 *   no authorization server; `TokenAcquisitionError` when the gateway cannot be reached.
 * @example
 * ```ts
 * const found = await discoverProtectedResource("https://my-proxy.example.com");
 * if (found !== undefined) console.log(found.authorizationServers[0], found.scopes);
 * ```
 */
export async function discoverProtectedResource(
  url: string,
  options: DiscoverProtectedResourceOptions = {},
): Promise<ProtectedResource | undefined> {
  const resource = endpointUrl(url, "url", OWNER);
  const resolved = resolveSignInOptions(OWNER, {
    ...options,
    issuer: resource.href,
    clientId: "-",
    scope: "-",
  });
  const insecure = (target: URL) => isLoopbackHost(target.hostname);
  const what = `protected resource metadata of ${resource.origin}`;
  return step(resolved, async (deadline) => {
    const request = { signal: deadline.signal, [oauth.customFetch]: resolved.fetch };
    let response = await send(resolved, deadline, what, () =>
      oauth.resourceDiscoveryRequest(resource, {
        ...request,
        [oauth.allowInsecureRequests]: insecure(resource),
      }),
    );
    if (response.status === 404) {
      await response.body?.cancel().catch(() => {});
      // Nothing at the well-known address: a 401 may point at the metadata.
      const challenge = await send(resolved, deadline, what, () =>
        resolved.fetch(resource, { signal: deadline.signal, redirect: "manual" }),
      );
      await challenge.body?.cancel().catch(() => {});
      const metadataUrl = resourceMetadataUrl(challenge);
      if (metadataUrl === undefined) return undefined;
      const target = endpointUrl(metadataUrl, "resource_metadata", OWNER);
      response = await send(resolved, deadline, what, () =>
        resolved.fetch(target, {
          signal: deadline.signal,
          headers: { accept: "application/json" },
          redirect: "manual",
        }),
      );
    }
    let metadata: oauth.ResourceServer;
    try {
      metadata = await oauth.processResourceDiscoveryResponse(resource, response);
    } catch (error) {
      if (ProxyAuthError.isInstance(error)) throw error;
      if (
        error instanceof oauth.OperationProcessingError &&
        error.code === oauth.JSON_ATTRIBUTE_COMPARISON
      ) {
        throw new ConfigurationError(
          `${OWNER}: the ${what} names another resource; a gateway can only speak for itself.`,
        );
      }
      throw await responseFailure(error, response, what, []);
    }
    const servers = (metadata.authorization_servers ?? []).filter(
      (server): server is string => typeof server === "string",
    );
    if (servers.length === 0) {
      throw new ConfigurationError(`${OWNER}: the ${what} names no authorization_servers.`);
    }
    for (const server of servers) endpointUrl(server, "authorization_servers", OWNER);
    const scopes = metadata.scopes_supported?.filter((scope) => typeof scope === "string");
    return {
      resource: metadata.resource,
      authorizationServers: servers,
      ...(scopes === undefined || scopes.length === 0 ? {} : { scopes }),
    };
  });
}

/** The `resource_metadata` of a `WWW-Authenticate: Bearer` challenge, when there is one. */
function resourceMetadataUrl(response: Response): string | undefined {
  if (response.status !== 401) return undefined;
  const header = (response.headers.get("www-authenticate") ?? "").slice(0, 4096);
  if (!/(^|,)\s*bearer\b/i.test(header)) return undefined;
  return /\bresource_metadata="([^"]{1,2048})"/i.exec(header)?.[1];
}
