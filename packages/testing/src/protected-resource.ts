import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** Options of {@link startProtectedResource}. */
export interface ProtectedResourceOptions {
  /** The issuers named as `authorization_servers`. */
  authorizationServers: string[];
  /** `scopes_supported`, when given. */
  scopes?: string[];
  /**
   * Where the metadata is published: `"well-known"` (default, `/.well-known/oauth-protected-resource`)
   * or `"challenge"` (only through a 401 `WWW-Authenticate: Bearer resource_metadata="…"`).
   */
  publish?: "well-known" | "challenge";
  /** The `resource` the metadata names. Default the server's own URL (set another to test refusal). */
  resource?: string;
}

/** A running gateway stand-in that publishes RFC 9728 metadata. */
export interface ProtectedResourceServer {
  /** Its address, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * A loopback stand-in for a gateway that publishes OAuth protected resource metadata
 * (RFC 9728), at the well-known address or through a 401 challenge, as MCP servers do.
 *
 * @example
 * ```ts
 * const idp = await startIdentityProvider();
 * const gateway = await startProtectedResource({ authorizationServers: [idp.issuer] });
 * await gateway.close();
 * ```
 */
export async function startProtectedResource(
  options: ProtectedResourceOptions,
): Promise<ProtectedResourceServer> {
  let url = "";
  const server = createServer((request, response) => {
    const metadata = JSON.stringify({
      resource: options.resource ?? url,
      authorization_servers: options.authorizationServers,
      ...(options.scopes === undefined ? {} : { scopes_supported: options.scopes }),
      bearer_methods_supported: ["header"],
    });
    const path = request.url ?? "/";
    const wellKnown = path === "/.well-known/oauth-protected-resource";
    if ((options.publish ?? "well-known") === "well-known" ? wellKnown : path === "/metadata") {
      response.writeHead(200, { "content-type": "application/json" }).end(metadata);
      return;
    }
    if (wellKnown) {
      response.writeHead(404).end();
      return;
    }
    response
      .writeHead(401, {
        "www-authenticate": `Bearer resource_metadata="${url}/metadata"`,
        "content-type": "application/json",
      })
      .end('{"error":"unauthorized"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
