/** `proxy-auth login --help`. */
export const LOGIN_HELP = `proxy-auth login: sign a person in, so token, serve and exec act as them.

Usage:
  proxy-auth login [PROXY_URL] [--device] [--issuer URL] [--client-id ID] [--scope S] [--resource URI]...
                   [--profile NAME] [--no-browser]

By default the browser flow: the provider's sign-in page opens in a browser (the address is also
printed), and the answer comes back to http://127.0.0.1:<free port>/callback (PKCE, state
checked). --device: the device flow, for SSH sessions and containers: open the printed address on
any device and enter the code.

With the proxy's address, the identity provider, scopes and resource come from the proxy's
OAuth protected resource metadata (RFC 9728: /.well-known/oauth-protected-resource, or a 401
with WWW-Authenticate: Bearer resource_metadata=…), where it publishes some.

Settings, from flags, else the proxy's metadata, else the environment, else the profile (saved
by a successful login):
  --issuer, PROXY_AUTH_ISSUER                the identity provider's issuer (discovery)
  --client-id, PROXY_AUTH_LOGIN_CLIENT_ID    the public client registered for people
  --scope                                    default "openid offline_access" and PROXY_AUTH_SCOPE
  --resource                                 RFC 8707 resource of the proxy (repeatable)
  --profile, PROXY_AUTH_PROFILE              default "default": one sign-in per profile

The sign-in (refresh token included) is kept in the OS keychain where one is usable, else
encrypted (AES-256-GCM) in $XDG_STATE_HOME/proxy-auth/PROFILE.sign-in (mode 0600), its key in
$XDG_CONFIG_HOME/proxy-auth/sign-in.key or PROXY_AUTH_SIGN_IN_KEY (64 hex characters).
PROXY_AUTH_SIGN_IN_STORAGE=keychain or file chooses; default auto.
Exit status: 0 signed in; 1 the sign-in failed (the message says why); 2 usage or configuration.
`;

/** `proxy-auth logout --help`. */
export const LOGOUT_HELP = `proxy-auth logout: revoke the sign-in at the provider (RFC 7009, where it offers revocation)
and forget it here.

Usage:
  proxy-auth logout [--profile NAME]

Exit status: 0 signed out (or no one was signed in); 1 the provider could not revoke it (the
sign-in is forgotten here anyway).
`;

/** `proxy-auth status --help`. */
export const STATUS_HELP = `proxy-auth status: who is signed in, with which provider, until when and with which scopes.
Never prints a token.

Usage:
  proxy-auth status [--profile NAME] [--json]

Exit status: 0 someone is signed in; 1 no one is.
`;
