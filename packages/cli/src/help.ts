import { CREDENTIAL_ENVIRONMENT_HELP } from "./credential-from-environment.js";

const CONFIGURATION = `Configuration, from flags or the environment (flags win):
  PROXY_AUTH_SCOPE (--scope)         the scope to request, e.g. api://my-litellm-proxy/.default
  PROXY_AUTH_TARGET (--target), else LITELLM_PROXY_API_BASE
                                     the proxy, for serve and exec
${CREDENTIAL_ENVIRONMENT_HELP}

Exit status: 0 success; 1 no token could be obtained (the message says why);
2 usage or configuration error (the message names the flag or variable);
3 serve: the port is already in use (choose another with --port).
Logs go to stderr; only the token goes to stdout.`;

/** `proxy-auth --help`. */
export const MAIN_HELP = `proxy-auth: OAuth2 tokens for a LiteLLM proxy (or any OpenAI-compatible gateway), for any tool.

Usage:
  proxy-auth token [--scope S] [--json | --header | --decode] [--min-ttl SECONDS] [--no-cache]
  proxy-auth serve [--target URL] [--port N] [--host ADDRESS --local-key-file PATH]
  proxy-auth exec [--target URL] -- COMMAND [ARG...]
  proxy-auth doctor [--target URL] [--issuer ISS] [--audience AUD] [--model M]
  proxy-auth login [--device] [--profile NAME]   sign a person in (then token, serve, exec act as them)
  proxy-auth logout | status [--profile NAME]
  proxy-auth --help | --version       proxy-auth COMMAND --help for each command

Examples:
  curl -H @<(proxy-auth token --header) "$LITELLM_PROXY_API_BASE/v1/models"
  proxy-auth serve --port 4001        then point any OpenAI client at http://127.0.0.1:4001
  proxy-auth exec -- python agent.py  the script's openai client goes through the forwarder
  proxy-auth doctor --audience api://litellm-proxy   why does the proxy answer 401 or 403?

${CONFIGURATION}
`;

/** `proxy-auth token --help`. */
export const TOKEN_HELP = `Usage: proxy-auth token [--scope S] [--json | --header | --decode] [--min-ttl SECONDS] [--no-cache]

Prints a valid access token on stdout, bare, with a newline: what the key-helper settings of
coding tools read (Claude Code's apiKeyHelper, Codex's auth command, opencode).

Options:
  --scope S            the scope (default: PROXY_AUTH_SCOPE)
  --json               print {"token","expiresOn","tokenType"} (expiresOn in Unix seconds)
  --header             print "Authorization: Bearer <token>"
  --decode             print what the token says instead of the token: its claims (aud,
                       scope, exp, sub, ...; read, not verified) and how long it has left
  --min-ttl SECONDS    the printed token stays valid at least this long (default 300): a cached
                       token closer to its expiry is replaced first. At most half the token's
                       own lifetime counts, so short-lived tokens still make one grant per half
                       lifetime (5-minute tokens: one per 2.5 minutes)
  --no-cache           neither read nor write the on-disk cache
  --verbose            say on stderr where the token came from
  -h, --help           this text

Repeated runs reuse one token until its refresh time: it is cached per identity and scope in
$XDG_CACHE_HOME/proxy-auth (default ~/.cache/proxy-auth), mode 0600, never with a client secret.

Examples:
  proxy-auth token
  curl -H @<(proxy-auth token --header) "$LITELLM_PROXY_API_BASE/chat/completions" ...
                       (-H @file keeps the token out of the process list)
  proxy-auth token --json --min-ttl 900
  proxy-auth token --decode      what the proxy will see: audience, scope, expiry, subject

${CONFIGURATION}
`;

/** `proxy-auth serve --help`. */
export const SERVE_HELP = `Usage: proxy-auth serve [--target URL] [--port N] [--host ADDRESS --local-key-file PATH]

A local forwarder: every request to http://HOST:PORT/... goes to URL/... with the access token
added. Responses, server-sent events included, stream through as they arrive; a 401 from the
target is answered by one replay with a fresh token (for bodies up to 1 MiB).
Authorization, x-api-key and api-key headers from clients are not passed on, unless
--pass-client-key is given (the local key never is).

Options:
  --target URL         where requests go (default: PROXY_AUTH_TARGET, else LITELLM_PROXY_API_BASE)
  --port N             the port to listen on (default 4001; 0 picks a free one)
  --host ADDRESS       the address to listen on (default 127.0.0.1). Anything but loopback
                       needs a local key
  --local-key-file PATH
                       a file holding the local key: clients must send it as their own key
                       (Authorization: Bearer KEY or x-api-key: KEY); at least 16 characters.
                       Or set PROXY_AUTH_LOCAL_KEY
  --local-key KEY      the same, but other users of this machine can read a command line
                       (ps, /proc/PID/cmdline): accepted with a warning, and erased from the
                       command line once read; prefer the file or PROXY_AUTH_LOCAL_KEY
  --header NAME        the header that carries the token (default Authorization)
  --scheme SCHEME      the scheme before the token (default Bearer; "" sends the bare token)
  --pass-client-key    pass the client's own key (Authorization, x-api-key, api-key) on to the
                       target when the token travels in another header (--header), for
                       gateways that want both, e.g. Cloudflare AI Gateway without stored
                       keys; a header holding the local key is never passed
  --shutdown-timeout SECONDS
                       on SIGINT/SIGTERM, how long requests in flight may take to finish
                       (default 10)
  --scope S            the scope (default: PROXY_AUTH_SCOPE)
  --verbose            one line per request on stderr
  -h, --help           this text

Without a local key the forwarder only answers requests addressed to a loopback name, and
refuses requests from web pages of any origin but its own (another local port included).

Examples:
  proxy-auth serve --port 4001
  OPENAI_BASE_URL=http://127.0.0.1:4001 OPENAI_API_KEY=unused python app.py
  proxy-auth serve --header x-portkey-api-key --scheme ""
  proxy-auth serve --header cf-aig-authorization --pass-client-key
                       the gateway gets the token, the provider gets the tool's own key

${CONFIGURATION}
`;

/** `proxy-auth exec --help`. */
export const EXEC_HELP = `Usage: proxy-auth exec [--target URL] -- COMMAND [ARG...]

Starts the forwarder on a free loopback port and runs COMMAND with OPENAI_BASE_URL,
OPENAI_API_BASE and LITELLM_PROXY_API_BASE pointing at it, and OPENAI_API_KEY and
LITELLM_PROXY_API_KEY set to a key made for this run (the forwarder accepts only that key).
Variables holding a secret (PROXY_AUTH_CLIENT_SECRET, AZURE_CLIENT_SECRET, IDENTITY_HEADER,
MSI_SECRET, ACTIONS_ID_TOKEN_REQUEST_TOKEN, ...) are not passed to COMMAND. Signals (SIGINT, SIGTERM, SIGHUP) are passed
on to COMMAND; proxy-auth exits with COMMAND's status (128 + the signal's number when a signal
ended it; 127 when it cannot be started).

Options:
  --target URL         where requests go (default: PROXY_AUTH_TARGET, else LITELLM_PROXY_API_BASE)
  --header NAME, --scheme SCHEME, --pass-client-key, --scope S, --verbose
                       as for serve
  -h, --help           this text

Examples:
  proxy-auth exec -- python -c "from openai import OpenAI; print(OpenAI().models.list())"
  proxy-auth exec -- node agent.mjs

${CONFIGURATION}
`;

/** `proxy-auth doctor --help`. */
export const DOCTOR_HELP = `Usage: proxy-auth doctor [--target URL] [--scope S] [--issuer ISS] [--audience AUD] [--model M]

Explains a 401 or 403 between the identity provider and the proxy, on one screen, without
printing the token: the provider's discovery document, the grant, what the token says (iss, aud,
scope, exp; decoded, not verified) against what the proxy expects, the provider's and the
proxy's clocks, and the proxy's answer to a test call (a one-token chat completion) with what it
means. Exit status 0 only when the test call succeeds.

Options:
  --target URL       the proxy (default: PROXY_AUTH_TARGET, else LITELLM_PROXY_API_BASE)
  --scope S          the scope (default: PROXY_AUTH_SCOPE)
  --issuer ISS       the iss the proxy expects (default: PROXY_AUTH_ISSUER)
  --audience AUD     the aud the proxy expects (default: PROXY_AUTH_AUDIENCE)
  --model M          a model the proxy serves, for the test call (default: PROXY_AUTH_MODEL)
  -h, --help         this text

${CONFIGURATION}
`;
