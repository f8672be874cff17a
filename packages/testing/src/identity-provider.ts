import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from "jose";
import type Provider from "oidc-provider";
import { type Fault, FaultQueue, respondWithFault, rewriteBody, sleep } from "./fault.js";
import {
  type FederatedClient,
  FederatedClientAuthentication,
} from "./federated-client-authentication.js";
import {
  DPOP_SIGNING_ALGORITHMS,
  dpopFeature,
  type IdentityProviderDPoPOptions,
} from "./identity-provider-dpop.js";
import { createMemoryAdapter } from "./memory-adapter.js";
import { refusedScopeOrAudience } from "./registered-scope-and-audience.js";
import { type SignInClient, signInClientRegistration } from "./sign-in-clients.js";
import { createTestIssuer, type TestIssuer } from "./test-issuer.js";
import {
  type ExchangeSubjects,
  registerTokenExchange,
  TOKEN_EXCHANGE_GRANT,
} from "./token-exchange-grant.js";

/** A client registered with the test identity provider. */
export interface TestClient {
  clientId: string;
  clientSecret: string;
  /** How the client authenticates at the token endpoint. Default `"client_secret_post"`. */
  authMethod?: "client_secret_post" | "client_secret_basic";
  /** Grants the client may use. Default `["client_credentials"]` (add `TOKEN_EXCHANGE_GRANT`). */
  grantTypes?: string[];
}

/** A client that authenticates with `private_key_jwt`: assertions signed by one of its keys. */
export interface KeyClient {
  clientId: string;
  /** Its public keys (with `kid` for rotation by key id). */
  jwks: { keys: JWK[] };
  /** Grants the client may use. Default `["client_credentials"]`. */
  grantTypes?: string[];
}

/** A client without authentication (`none`), for token exchange by a public client. */
export interface PublicClient {
  clientId: string;
  /** Grants the client may use. Default `[TOKEN_EXCHANGE_GRANT]`. */
  grantTypes?: string[];
}

/** Options of {@link startIdentityProvider}. */
export interface IdentityProviderOptions {
  /** Registered clients. Default: one `client_secret_post` client, see {@link DEFAULT_CLIENT}. */
  clients?: TestClient[];
  /** Lifetime of issued access tokens in seconds. Default 3600; change later with `setTokenLifetime`. */
  tokenLifetimeSeconds?: number;
  /**
   * Scopes clients may request. Default `["litellm_proxy_api", "openid"]`. A request for any
   * other scope is refused with `invalid_scope`, as real providers do.
   */
  scopes?: string[];
  /**
   * The audience (`aud`) of issued JWT access tokens when the client names no `resource`.
   * Default `"https://litellm-proxy.test"`.
   */
  audience?: string;
  /**
   * The audiences tokens may be issued for, requested as `resource` (RFC 8707) or `audience`
   * (Auth0's parameter, honoured the same way). Default `[audience]`. A request for any other
   * is refused with `invalid_target`, as real providers do.
   */
  audiences?: string[];
  /** Latency added to every token request, in milliseconds. Default 0; change later with `latencyMs`. */
  latencyMs?: number;
  /** Clients that authenticate with `private_key_jwt`. */
  keyClients?: KeyClient[];
  /** Clients that authenticate with a JWT of a trusted issuer (federation). */
  federatedClients?: FederatedClient[];
  /** Clients without authentication (token exchange only, by default). */
  publicClients?: PublicClient[];
  /**
   * Issuers whose JWTs serve as federated client assertions and as token-exchange subject and
   * actor tokens. Default one new {@link TestIssuer}, exposed as `cluster`.
   */
  trustedIssuers?: TestIssuer[];
  /** DPoP-bound tokens (RFC 9449): on by default for requests with a proof; nonces on demand. */
  dpop?: IdentityProviderDPoPOptions;
  /**
   * Public clients people sign in with: turns on the device flow, the provider's own login and
   * consent pages (any login name becomes the `sub`), PKCE, refresh-token rotation with reuse
   * detection, and revocation (RFC 7009).
   */
  signInClients?: SignInClient[];
  /** Lifetime of device codes in seconds. Default 600. */
  deviceCodeLifetimeSeconds?: number;
}

/** One token request the provider received (the client secret is never recorded). */
export interface RecordedTokenRequest {
  /**
   * The form parameters, without `client_secret`, `client_assertion`, `subject_token`,
   * `actor_token`, `refresh_token`, `code`, `code_verifier` and `device_code`.
   */
  params: Record<string, string>;
  /** How the client authenticated. */
  authMethod:
    | "client_secret_post"
    | "client_secret_basic"
    | "private_key_jwt"
    | "federated"
    | "none";
  /** Header and claims of the client assertion (`private_key_jwt` or federated), when there was one. */
  assertion?: {
    alg?: string;
    kid?: string;
    "x5t#S256"?: string;
    iss?: string;
    sub?: string;
    aud?: unknown;
    jti?: string;
  };
  /** The `sub` of the token-exchange subject and actor tokens, when there were some. */
  exchange?: { subject?: string; actor?: string };
  /** The fault applied to this request, if any. */
  fault?: Fault;
  /** The HTTP status answered (0 when the connection was reset or left hanging). */
  status: number;
  /** The request carried a DPoP proof. */
  dpop?: boolean;
}

/** A running test identity provider. */
export interface IdentityProvider {
  /** The issuer identifier (`http://127.0.0.1:PORT`). */
  readonly issuer: string;
  /** The token endpoint. */
  readonly tokenUrl: string;
  /** The JWKS endpoint, for verifying issued tokens. */
  readonly jwksUrl: string;
  /** The default audience of issued tokens. */
  readonly audience: string;
  /** The first trusted issuer (a stand-in for a Kubernetes cluster or a CI system). */
  readonly cluster: TestIssuer;
  /** Every token request so far, oldest first. */
  readonly tokenRequests: readonly RecordedTokenRequest[];
  /** Token requests answered with a token. */
  readonly tokensIssued: number;
  /** Refresh tokens presented a second time (the provider then revokes the whole sign-in). */
  readonly refreshTokenReuses: number;
  /** Latency added to every token request, in milliseconds. */
  latencyMs: number;
  /** Injects `fault` into the next `times` token requests (default 1; `Infinity` until cleared). */
  injectFault(fault: Fault, times?: number): void;
  /** Drops every injected fault. */
  clearFaults(): void;
  /** Changes the lifetime of tokens issued from now on. */
  setTokenLifetime(seconds: number): void;
  /**
   * Gets an access token straight from the token endpoint (client_credentials, `client_secret_post`),
   * as something outside the code under test would: a token projector, a sidecar, a test's setup.
   * Default client {@link DEFAULT_CLIENT}, default scope `"litellm_proxy_api"`.
   */
  issueToken(options?: { scope?: string; client?: TestClient }): Promise<string>;
  /** Stops the server and ends every open connection. */
  close(): Promise<void>;
}

let loaded: Promise<typeof import("oidc-provider")> | undefined;

/**
 * Loads oidc-provider on first use. On Node 20 it prints "Unsupported runtime" when imported;
 * it works there (our tests show it), so that one known line is held back.
 */
function loadProvider(): Promise<typeof import("oidc-provider")> {
  loaded ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).startsWith("oidc-provider WARNING: Unsupported runtime")) warn(...args);
    };
    try {
      return await import("oidc-provider");
    } finally {
      console.warn = warn;
    }
  })();
  return loaded;
}

/** The client registered when no `clients` option is given. */
export const DEFAULT_CLIENT: Readonly<Required<Omit<TestClient, "grantTypes">>> = Object.freeze({
  clientId: "proxy-auth-test-client",
  clientSecret: "proxy-auth-test-secret",
  authMethod: "client_secret_post",
});

/**
 * Starts a real OpenID provider (`oidc-provider`) on an ephemeral 127.0.0.1 port with the
 * client_credentials grant and JWT access tokens (through resource indicators).
 *
 * @example
 * ```ts
 * const idp = await startIdentityProvider({ tokenLifetimeSeconds: 5 });
 * const credential = new GenericOAuth2Credential({ ...DEFAULT_CLIENT, tokenUrl: idp.tokenUrl });
 * await idp.close();
 * ```
 */
export async function startIdentityProvider(
  options: IdentityProviderOptions = {},
): Promise<IdentityProvider> {
  const clients: TestClient[] = options.clients ?? [DEFAULT_CLIENT];
  const scopes = options.scopes ?? ["litellm_proxy_api", "openid"];
  const audience = options.audience ?? "https://litellm-proxy.test";
  const audiences = options.audiences ?? [audience];
  let lifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  const faults = new FaultQueue();
  const requests: RecordedTokenRequest[] = [];
  let issued = 0;
  let reuses = 0;
  const signInClients = options.signInClients ?? [];

  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = {
    ...(await exportJWK(privateKey)),
    kid: "proxy-auth-test-key",
    alg: "RS256",
    use: "sig",
  };

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const trustedIssuers = options.trustedIssuers ?? [await createTestIssuer()];
  const acceptedAudiences = () => [issuer, `${issuer}/token`];
  const federation = new FederatedClientAuthentication(
    options.federatedClients ?? [],
    trustedIssuers,
    acceptedAudiences,
  );
  const exchangeSubjects: ExchangeSubjects = new WeakMap();
  const registration = { redirect_uris: [], response_types: [], scope: scopes.join(" ") };
  const { default: OpenIdProvider, errors } = await loadProvider();
  const provider: Provider = new OpenIdProvider(issuer, {
    adapter: createMemoryAdapter(),
    clients: [
      ...clients.map((client) => ({
        ...registration,
        client_id: client.clientId,
        client_secret: client.clientSecret,
        grant_types: client.grantTypes ?? ["client_credentials"],
        token_endpoint_auth_method: client.authMethod ?? "client_secret_post",
      })),
      ...(options.keyClients ?? []).map((client) => ({
        ...registration,
        client_id: client.clientId,
        jwks: client.jwks,
        grant_types: client.grantTypes ?? ["client_credentials"],
        token_endpoint_auth_method: "private_key_jwt" as const,
      })),
      ...(options.federatedClients ?? []).map((client) => ({
        ...registration,
        client_id: client.clientId,
        client_secret: federation.secrets.get(client.clientId),
        grant_types: client.grantTypes ?? ["client_credentials"],
        token_endpoint_auth_method: "client_secret_post" as const,
      })),
      ...(options.publicClients ?? []).map((client) => ({
        ...registration,
        client_id: client.clientId,
        grant_types: client.grantTypes ?? [TOKEN_EXCHANGE_GRANT],
        token_endpoint_auth_method: "none" as const,
      })),
      ...signInClients.map((client) => signInClientRegistration(client, scopes)),
    ],
    // Any login name is an account whose `sub` is that name.
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    // People's clients get a refresh token without asking for offline_access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    enabledJWA: {
      clientAuthSigningAlgValues: [
        ...(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"] as const),
        ...(["ES256", "ES384", "ES512", "Ed25519", "EdDSA"] as const),
      ],
      dPoPSigningAlgValues: [...DPOP_SIGNING_ALGORITHMS],
    },
    formats: {
      customizers: {
        // Exchanged tokens speak for their subject (and name their actor).
        jwt: async (_ctx, token, jwt) => {
          const exchanged = exchangeSubjects.get(token);
          if (exchanged === undefined) return;
          jwt.payload.sub = exchanged.sub;
          if (exchanged.act !== undefined) jwt.payload.act = exchanged.act;
        },
      },
    },
    jwks: { keys: [jwk] },
    ttl: {
      ClientCredentials: () => lifetimeSeconds,
      DeviceCode: options.deviceCodeLifetimeSeconds ?? 600,
      AccessToken: () => lifetimeSeconds,
      IdToken: 3600,
      RefreshToken: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
      Interaction: 3600,
    },
    scopes,
    features: {
      clientCredentials: { enabled: true },
      dPoP: dpopFeature(options.dpop),
      devInteractions: { enabled: signInClients.length > 0 },
      deviceFlow: { enabled: signInClients.length > 0 },
      revocation: { enabled: signInClients.length > 0 },
      resourceIndicators: {
        enabled: true,
        // Auth0's `audience` parameter names the resource when `resource` is absent.
        defaultResource: async (ctx) => {
          const requested = (ctx.oidc.body as { audience?: unknown } | undefined)?.audience;
          return typeof requested === "string" ? requested : audience;
        },
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => ({
          scope: scopes.join(" "),
          audience: resourceIndicator,
          accessTokenTTL: lifetimeSeconds,
          accessTokenFormat: "jwt",
        }),
      },
    },
  });
  provider.on("server_error", () => {});
  provider.on("grant.error", (_ctx, error: { error_detail?: string }) => {
    if (error.error_detail === "refresh token already used") reuses++;
  });
  registerTokenExchange(provider, {
    issuers: trustedIssuers,
    audiences: acceptedAudiences,
    defaultResource: audience,
    scopes,
    lifetimeSeconds: () => lifetimeSeconds,
    subjects: exchangeSubjects,
    errors,
  });

  // Before oidc-provider: count, delay and inject faults. After it: record and rewrite.
  provider.use(async (ctx, next) => {
    if (!(ctx.method === "POST" && ctx.path === "/token")) return next();
    const fault = faults.take();
    const record: RecordedTokenRequest = { params: {}, authMethod: "none", status: 0 };
    if (fault !== undefined) record.fault = fault;
    if (ctx.get("dpop") !== "") record.dpop = true;
    requests.push(record);
    const basic = ctx.get("authorization").toLowerCase().startsWith("basic ");
    if (current.latencyMs > 0) await sleep(current.latencyMs);
    if (fault?.kind === "delay") await sleep(fault.ms);
    if (fault !== undefined && respondWithFault(fault, ctx.req, ctx.res)) {
      ctx.respond = false;
      record.status = fault.kind === "status" ? fault.status : fault.kind === "nonJson" ? 200 : 0;
      return;
    }
    await next();
    const {
      client_secret: _secret,
      client_assertion: assertion,
      subject_token: subjectToken,
      actor_token: actorToken,
      refresh_token: _refreshToken,
      code: _code,
      code_verifier: _verifier,
      device_code: _deviceCode,
      ...params
    } = (ctx.oidc?.body ?? {}) as Record<string, string>;
    record.params = params;
    const federated = federation.outcome(ctx.req);
    record.authMethod = basic
      ? "client_secret_basic"
      : federated !== undefined
        ? "federated"
        : assertion !== undefined
          ? "private_key_jwt"
          : _secret !== undefined
            ? "client_secret_post"
            : "none";
    if (assertion !== undefined) record.assertion = describeJwt(assertion);
    if (federated?.subject !== undefined) record.assertion = { sub: federated.subject };
    if (subjectToken !== undefined || actorToken !== undefined) {
      record.exchange = {
        ...(subjectToken === undefined ? {} : { subject: describeJwt(subjectToken).sub }),
        ...(actorToken === undefined ? {} : { actor: describeJwt(actorToken).sub }),
      };
    }
    const refusal =
      ctx.status === 200
        ? refusedScopeOrAudience(ctx.oidc?.body ?? {}, scopes, audiences)
        : undefined;
    if (refusal !== undefined) {
      ctx.status = 400;
      ctx.body = refusal;
    }
    record.status = ctx.status;
    if (ctx.status === 200) {
      issued++;
      ctx.body = rewriteBody(fault, ctx.body);
    }
  });

  const handle = provider.callback();
  server.on("request", (request, response) => {
    if (request.method !== "POST" || !request.url?.startsWith("/token")) {
      handle(request, response);
      return;
    }
    federation.rewrite(request).then(
      (replay) => handle(replay, response),
      () => response.destroy(),
    );
  });

  const current: IdentityProvider = {
    issuer,
    tokenUrl: `${issuer}/token`,
    jwksUrl: `${issuer}/jwks`,
    audience,
    cluster: trustedIssuers[0] as TestIssuer,
    tokenRequests: requests,
    get tokensIssued() {
      return issued;
    },
    get refreshTokenReuses() {
      return reuses;
    },
    latencyMs: options.latencyMs ?? 0,
    injectFault: (fault, times) => faults.add(fault, times),
    clearFaults: () => faults.clear(),
    setTokenLifetime: (seconds) => {
      lifetimeSeconds = seconds;
    },
    issueToken: async ({
      scope = "litellm_proxy_api",
      client = clients[0] ?? DEFAULT_CLIENT,
    } = {}) => {
      const response = await fetch(`${issuer}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: client.clientId,
          client_secret: client.clientSecret,
          scope,
        }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!response.ok || typeof body.access_token !== "string") {
        throw new Error(`The test identity provider answered ${response.status} without a token.`);
      }
      return body.access_token;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return current;
}

/** The non-secret parts of a JWT, for the request log. */
function describeJwt(token: string): NonNullable<RecordedTokenRequest["assertion"]> {
  try {
    const { alg, kid, "x5t#S256": thumbprint } = decodeProtectedHeader(token);
    const { iss, sub, aud, jti } = decodeJwt(token);
    return Object.fromEntries(
      Object.entries({ alg, kid, "x5t#S256": thumbprint, iss, sub, aud, jti }).filter(
        ([, value]) => value !== undefined,
      ),
    );
  } catch {
    return {};
  }
}
