/** The device authorization grant's type (RFC 8628). */
export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/**
 * A public client people sign in with (a command line, a notebook): no secret, PKCE required,
 * loopback redirects on any port (RFC 8252), refresh tokens rotated on every use.
 */
export interface SignInClient {
  clientId: string;
  /** Grants the client may use. Default device code, authorization code and refresh token. */
  grantTypes?: string[];
  /** Redirect URIs. Default `http://127.0.0.1/callback` (any port, as RFC 8252 allows). */
  redirectUris?: string[];
}

/** The client registered for sign-in when `signInClients` is `true`. */
export const DEFAULT_SIGN_IN_CLIENT: Readonly<Required<Pick<SignInClient, "clientId">>> =
  Object.freeze({ clientId: "proxy-auth-cli" });

/** oidc-provider's registration of a {@link SignInClient}. */
export function signInClientRegistration(client: SignInClient, scopes: readonly string[]) {
  return {
    client_id: client.clientId,
    application_type: "native" as const,
    token_endpoint_auth_method: "none" as const,
    grant_types: client.grantTypes ?? [DEVICE_CODE_GRANT, "authorization_code", "refresh_token"],
    response_types: ["code" as const],
    redirect_uris: client.redirectUris ?? ["http://127.0.0.1/callback"],
    scope: scopes.join(" "),
  };
}
