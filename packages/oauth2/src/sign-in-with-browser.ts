import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigurationError, isLoopbackHost, TokenAcquisitionError } from "@proxy-auth/core";
import { functionOption, numberOption, systemTimers } from "@proxy-auth/core/internal";
import * as oauth from "oauth4webapi";
import { discoverAuthorizationServer } from "./discover-authorization-server.js";
import { personFromTokenResponse } from "./person-from-token-response.js";
import { signInFailure } from "./sign-in-failure.js";
import { resolveSignInOptions, type SignInOptions } from "./sign-in-options.js";
import { send, step } from "./sign-in-request.js";
import type { SignedInPerson } from "./signed-in-person.js";

/** Options of {@link signInWithBrowser}. */
export interface BrowserSignInOptions extends SignInOptions {
  /**
   * Opens the authorization URL in the person's browser, or shows it where there is none
   * (required). The URL carries no secret: PKCE keeps the code useless to anyone else.
   */
  openUrl: (url: string) => void | Promise<void>;
  /** The loopback address of the redirect (RFC 8252). Default `"127.0.0.1"`; only loopback addresses are accepted. */
  redirectHost?: string;
  /** The redirect's port. Default 0: a free port chosen by the system. */
  redirectPort?: number;
  /** The redirect's path. Default `"/callback"`. */
  redirectPath?: string;
  /** How long to wait for the person, in milliseconds. Default 300_000 (5 minutes). */
  waitMs?: number;
}

/** Held in a variable so bundlers leave the import alone (this flow needs a local HTTP server). */
const NODE_HTTP = "node:http";

/**
 * Signs a person in with the authorization code grant, PKCE (S256) and a loopback redirect
 * (RFC 8252): listens on `http://127.0.0.1:<free port>/callback`, opens the provider's sign-in
 * page through `openUrl`, checks the redirect's `state`, and exchanges the code. Endpoints are
 * discovered from `issuer`. Node, Bun and Deno (it listens through `node:http`).
 *
 * @returns The person's tokens (refresh token included when the provider issues one).
 * @throws `ConfigurationError` for bad options (a `redirectHost` that is not loopback) or a
 *   provider without the authorization code grant or S256; `TokenAcquisitionError` with
 *   `oauthError` `"access_denied"` (declined), for a redirect with the wrong `state`, for no
 *   redirect within `waitMs`, or for any other refusal or network failure.
 * @example
 * ```ts
 * const person = await signInWithBrowser({
 *   issuer: "https://login.example.com",
 *   clientId: "proxy-auth-cli",
 *   scope: "openid offline_access litellm_proxy_api",
 *   openUrl: (url) => console.error(`Open ${url} to sign in.`),
 * });
 * ```
 */
export async function signInWithBrowser(options: BrowserSignInOptions): Promise<SignedInPerson> {
  const owner = "signInWithBrowser";
  const resolved = resolveSignInOptions(owner, options);
  const openUrl = functionOption<BrowserSignInOptions["openUrl"] | undefined>(
    owner,
    "openUrl",
    options.openUrl,
    undefined,
  );
  if (openUrl === undefined) {
    throw new ConfigurationError(
      `${owner}: "openUrl" is required: it opens the sign-in page in a browser or shows its address.`,
    );
  }
  const host = options.redirectHost ?? "127.0.0.1";
  if (
    typeof host !== "string" ||
    !isLoopbackHost(host.includes(":") && !host.startsWith("[") ? `[${host}]` : host)
  ) {
    throw new ConfigurationError(
      `${owner}: "redirectHost" must be a loopback address (127.0.0.1 or [::1], RFC 8252): the code must not leave this machine; got ${JSON.stringify(String(host)).slice(0, 100)}.`,
    );
  }
  const port = numberOption(owner, "redirectPort", options.redirectPort, 0, {
    minimum: 0,
    integer: true,
  });
  const path = options.redirectPath ?? "/callback";
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new ConfigurationError(`${owner}: "redirectPath" must start with "/".`);
  }
  const waitMs = numberOption(owner, "waitMs", options.waitMs, 300_000, { minimum: 1 });
  const { signal } = resolved;
  signal?.throwIfAborted();

  const server = await step(resolved, (deadline) =>
    discoverAuthorizationServer(resolved.issuer, {
      owner,
      fetch: resolved.fetch,
      timeoutMs: resolved.timeoutMs,
      secrets: [],
      endpoints: ["authorization_endpoint", "token_endpoint"],
      deadline,
      callerSignal: signal,
    }),
  );
  const methods = server.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes("S256")) {
    throw new ConfigurationError(
      `${owner}: the identity provider at ${resolved.issuer.origin} does not offer PKCE with S256 (code_challenge_methods_supported), which this sign-in requires.`,
    );
  }
  const grants = server.grant_types_supported;
  if (Array.isArray(grants) && !grants.includes("authorization_code")) {
    throw new ConfigurationError(
      `${owner}: the identity provider at ${resolved.issuer.origin} does not offer the authorization code grant; use the device flow.`,
    );
  }

  const client: oauth.Client = { client_id: resolved.clientId };
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const listener = await listen(host, port);
  try {
    const redirectUri = `http://${listener.host}:${listener.port}${path}`;
    const authorizationUrl = new URL(server.authorization_endpoint as string);
    const query = authorizationUrl.searchParams;
    query.set("client_id", resolved.clientId);
    query.set("response_type", "code");
    query.set("redirect_uri", redirectUri);
    query.set("scope", resolved.scope);
    query.set("state", state);
    query.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
    query.set("code_challenge_method", "S256");
    for (const resource of resolved.resources) query.append("resource", resource);

    const arrived = listener.callback(path, waitMs, signal);
    // Awaited below; a rejection while the browser opens must not count as unhandled.
    arrived.url.catch(() => {});
    await openUrl(authorizationUrl.href);
    const callbackUrl = await arrived.url;
    let parameters: URLSearchParams;
    try {
      parameters = oauth.validateAuthResponse(server, client, callbackUrl, state);
    } catch (error) {
      arrived.answer(false);
      throw redirectFailure(error);
    }
    arrived.answer(true);
    const what = `token endpoint of ${resolved.issuer.origin}`;
    return await step(resolved, async (deadline) => {
      const sentAt = resolved.now() / 1000;
      const response = await send(resolved, deadline, what, () =>
        oauth.authorizationCodeGrantRequest(
          server,
          client,
          oauth.None(),
          parameters,
          redirectUri,
          verifier,
          {
            signal: deadline.signal,
            [oauth.customFetch]: resolved.fetch,
            [oauth.allowInsecureRequests]: isLoopbackHost(resolved.issuer.hostname),
            ...(resolved.resources.length === 0
              ? {}
              : {
                  additionalParameters: resolved.resources.map((resource) => [
                    "resource",
                    resource,
                  ]),
                }),
          },
        ),
      );
      try {
        const result = await oauth.processAuthorizationCodeResponse(server, client, response);
        return personFromTokenResponse(result, {
          options: resolved,
          what,
          status: response.status,
          sentAt,
        });
      } catch (error) {
        throw await signInFailure(error, response, what, [verifier, parameters.get("code") ?? ""]);
      }
    });
  } finally {
    await listener.close();
  }
}

/** The error of a redirect that carries an error or fails the `state` check. */
function redirectFailure(error: unknown): TokenAcquisitionError {
  if (error instanceof oauth.AuthorizationResponseError) {
    const oauthError = error.error;
    if (oauthError === "access_denied") {
      return new TokenAcquisitionError(
        "The sign-in was declined (access_denied): the person did not approve it.",
        { oauthError, retryable: false },
      );
    }
    return new TokenAcquisitionError(
      `The identity provider refused the sign-in (${oauthError.replace(/[^\w.-]/g, "").slice(0, 60)}).`,
      { oauthError, retryable: false },
    );
  }
  const message = error instanceof Error ? error.message : "";
  if (/state/i.test(message)) {
    return new TokenAcquisitionError(
      "The sign-in redirect carried the wrong state: it does not answer this sign-in (another tab, or a forged request). Start the sign-in again.",
      { retryable: false },
    );
  }
  return new TokenAcquisitionError(
    "The sign-in redirect was not a valid answer; start the sign-in again.",
    {
      retryable: false,
    },
  );
}

/** A loopback server that waits for one redirect. */
interface Listener {
  host: string;
  port: number;
  callback(
    path: string,
    waitMs: number,
    signal: AbortSignal | undefined,
  ): { url: Promise<URL>; answer(ok: boolean): void };
  close(): Promise<void>;
}

async function listen(host: string, port: number): Promise<Listener> {
  const { createServer } = (await import(NODE_HTTP)) as typeof import("node:http");
  const server: Server = createServer();
  const bare = host.replace(/^\[|\]$/g, "");
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, bare, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = bare.includes(":") ? `[${bare}]` : bare;
  let pending: ServerResponse | undefined;
  let stopWaiting = () => {};
  return {
    host: shownHost,
    port: address.port,
    callback(path, waitMs, signal) {
      const url = new Promise<URL>((resolve, reject) => {
        const timer = systemTimers.set(() => {
          reject(
            new TokenAcquisitionError(
              `No sign-in arrived within ${Math.round(waitMs / 1000)} s; start the sign-in again.`,
              { retryable: false },
            ),
          );
        }, waitMs);
        const onAbort = () => reject(signal?.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        stopWaiting = () => {
          systemTimers.clear(timer);
          signal?.removeEventListener("abort", onAbort);
        };
        server.on("request", (request: IncomingMessage, response: ServerResponse) => {
          const url = new URL(request.url ?? "/", `http://${shownHost}:${address.port}`);
          // Only the first redirect to the path counts; anything else is not ours to answer.
          if (request.method !== "GET" || url.pathname !== path || pending !== undefined) {
            response.writeHead(404, { "content-type": "text/plain" }).end("Not found.\n");
            return;
          }
          pending = response;
          stopWaiting();
          resolve(url);
        });
      });
      return {
        url,
        answer(ok) {
          pending
            ?.writeHead(ok ? 200 : 400, {
              "content-type": "text/html; charset=utf-8",
              "cache-control": "no-store",
            })
            .end(
              ok
                ? "<!DOCTYPE html><title>Signed in</title><p>You are signed in. You can close this page.</p>\n"
                : "<!DOCTYPE html><title>Sign-in failed</title><p>The sign-in failed; see the terminal.</p>\n",
            );
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        stopWaiting();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
