import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { type EntraAssertionClient, verifyEntraAssertion } from "./entra-client-assertion.js";
import { type Fault, FaultQueue, readBody, respondWithFault, rewriteBody } from "./fault.js";
import { type Certificate, createSelfSignedCertificate } from "./self-signed-certificate.js";

/**
 * An app registration known to the Entra-like endpoint: with a client secret, or (see
 * {@link EntraAssertionClient}) a certificate or a federated credential.
 */
export interface EntraClient extends EntraAssertionClient {
  clientId: string;
  /** The client secret; absent for apps that authenticate with a certificate or federation. */
  clientSecret?: string;
}

/** Options of {@link startEntraEndpoint}. */
export interface EntraEndpointOptions {
  /** Registered apps. Default one, {@link DEFAULT_ENTRA_CLIENT}. */
  clients?: EntraClient[];
  /** `expires_in` of issued tokens, seconds. Default 3600. */
  tokenLifetimeSeconds?: number;
  /** `refresh_in` of issued tokens, seconds (Entra sends it for long-lived tokens). Default none. */
  refreshInSeconds?: number;
  /** The TLS certificate. Default a fresh self-signed one (see `certificate` on the result). */
  certificate?: Certificate;
}

/** One token request the endpoint received (the client secret is never recorded). */
export interface RecordedEntraRequest {
  /** The tenant segment of the path (`adfs`, a GUID, `organizations`…). */
  tenant: string;
  /** The form parameters, without `client_secret` and `client_assertion`. */
  params: Record<string, string>;
  /** How the app authenticated: `secret`, `certificate` or `federated` (when it did). */
  authMethod?: "secret" | "certificate" | "federated";
  /** The `sub` of a federated assertion, or the `x5t#S256` / `x5t` of a certificate one. */
  assertionIdentity?: string;
  /** The status answered (0 for a reset or hang). */
  status: number;
}

/** A running Entra-like endpoint. */
export interface EntraEndpoint {
  /** `https://127.0.0.1:PORT`: pass it as `authorityHost` / `AZURE_AUTHORITY_HOST`. */
  readonly authorityHost: string;
  /** The certificate it serves; trust `certificate.cert` through `NODE_EXTRA_CA_CERTS`. */
  readonly certificate: Certificate;
  /** The JWKS that verifies issued tokens. */
  readonly jwksUrl: string;
  /** Every token request so far, oldest first. */
  readonly tokenRequests: readonly RecordedEntraRequest[];
  /** Token requests answered with a token. */
  readonly tokensIssued: number;
  /** The issuer of tokens for `tenant`. */
  issuerFor(tenant: string): string;
  /** Injects `fault` into the next `times` token requests (default 1; `Infinity` until cleared). */
  injectFault(fault: Fault, times?: number): void;
  /** Drops every injected fault. */
  clearFaults(): void;
  /** Stops the server and ends every open connection. */
  close(): Promise<void>;
}

/** The app registered when no `clients` option is given. */
export const DEFAULT_ENTRA_CLIENT: Readonly<{ clientId: string; clientSecret: string }> =
  Object.freeze({
    clientId: "00000000-0000-0000-0000-00000000c11e",
    clientSecret: "proxy-auth-entra-test-secret",
  });

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const DISCOVERY_PATH = /^\/([^/]+)(?:\/v2\.0)?\/\.well-known\/openid-configuration$/;

/**
 * Starts a loopback HTTPS server that speaks Entra ID's OpenID discovery and v2.0 token routes
 * well enough for the real `@azure/identity` (MSAL) to get client-credentials tokens from it:
 * RS256 JWTs whose `aud` is the requested scope without `/.default`, with `expires_in` and, when
 * configured, `refresh_in`.
 *
 * `@azure/identity` refuses http authority hosts, so the calling process must trust
 * `certificate.cert`: Node reads `NODE_EXTRA_CA_CERTS` only at start-up, so run the code under
 * test in a process started after the certificate exists. To skip MSAL's instance discovery
 * (which calls the public cloud), construct credentials with `disableInstanceDiscovery: true`,
 * or use the tenant id `adfs` with environment-driven `DefaultAzureCredential`.
 */
export async function startEntraEndpoint(
  options: EntraEndpointOptions = {},
): Promise<EntraEndpoint> {
  const clients = options.clients ?? [DEFAULT_ENTRA_CLIENT];
  const lifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  const certificate = options.certificate ?? (await createSelfSignedCertificate());
  const faults = new FaultQueue();
  const requests: RecordedEntraRequest[] = [];
  let issued = 0;
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = {
    ...(await exportJWK(publicKey)),
    kid: "proxy-auth-entra-key",
    alg: "RS256",
    use: "sig",
  };

  let base = "";
  const issuerFor = (tenant: string) => `${base}/${tenant}/v2.0`;
  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    response.end(JSON.stringify(body));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", base).pathname;
    const discovery = DISCOVERY_PATH.exec(path);
    if (request.method === "GET" && discovery?.[1] !== undefined) {
      const tenant = discovery[1];
      json(response, 200, {
        issuer: issuerFor(tenant),
        authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
        subject_types_supported: ["pairwise"],
        id_token_signing_alg_values_supported: ["RS256"],
        token_endpoint_auth_methods_supported: [
          "client_secret_post",
          "private_key_jwt",
          "client_secret_basic",
        ],
        scopes_supported: ["openid", "profile", "email", "offline_access"],
        tenant_region_scope: "WW",
      });
      return;
    }
    if (request.method === "GET" && path === "/discovery/v2.0/keys") {
      json(response, 200, { keys: [jwk] });
      return;
    }
    const token = TOKEN_PATH.exec(path);
    if (request.method !== "POST" || token?.[1] === undefined) {
      json(response, 404, {
        error: "not_found",
        error_description: `No route for ${request.method} ${path}`,
      });
      return;
    }
    const tenant = token[1];
    const form = new URLSearchParams(await readBody(request));
    const {
      client_secret: secret,
      client_assertion: assertion,
      ...params
    } = Object.fromEntries(form);
    const record: RecordedEntraRequest = { tenant, params, status: 0 };
    requests.push(record);
    const fault = faults.take();
    if (fault?.kind === "delay") await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault !== undefined && respondWithFault(fault, request, response)) {
      record.status = fault.kind === "status" ? fault.status : fault.kind === "nonJson" ? 200 : 0;
      return;
    }
    const client = clients.find((candidate) => candidate.clientId === params.client_id);
    if (params.grant_type !== "client_credentials") {
      record.status = 400;
      json(response, 400, {
        error: "unsupported_grant_type",
        error_description: "AADSTS70003: unsupported grant type.",
      });
      return;
    }
    const verified =
      client === undefined
        ? undefined
        : assertion !== undefined
          ? await verifyEntraAssertion(
              client,
              assertion,
              params.client_assertion_type,
              `${base}${path}`,
            )
          : client.clientSecret !== undefined && client.clientSecret === secret
            ? { method: "secret" as const, identity: undefined }
            : undefined;
    if (verified !== undefined) {
      record.authMethod = verified.method;
      if (verified.identity !== undefined) record.assertionIdentity = verified.identity;
    }
    if (client === undefined || verified === undefined) {
      record.status = 401;
      json(response, 401, {
        error: "invalid_client",
        error_description: "AADSTS7000215: Invalid client secret provided.",
        error_codes: [7000215],
      });
      return;
    }
    const scope = params.scope ?? "";
    const resource = scope.split(" ").find((item) => item.endsWith("/.default"));
    if (resource === undefined) {
      record.status = 400;
      json(response, 400, {
        error: "invalid_scope",
        error_description:
          "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.",
      });
      return;
    }
    const accessToken = await new SignJWT({
      appid: client.clientId,
      azp: client.clientId,
      roles: [],
      tid: tenant,
    })
      .setProtectedHeader({ alg: "RS256", kid: jwk.kid, typ: "JWT" })
      .setIssuer(issuerFor(tenant))
      .setAudience(resource.slice(0, -"/.default".length))
      .setSubject(client.clientId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeSeconds)
      .setJti(randomUUID())
      .sign(privateKey);
    issued++;
    record.status = 200;
    json(
      response,
      200,
      rewriteBody(fault, {
        token_type: "Bearer",
        expires_in: lifetimeSeconds,
        ext_expires_in: lifetimeSeconds,
        ...(options.refreshInSeconds === undefined ? {} : { refresh_in: options.refreshInSeconds }),
        access_token: accessToken,
      }),
    );
  };

  const server = createServer(
    { cert: certificate.cert, key: certificate.key },
    (request, response) => {
      handle(request, response).catch((error: unknown) => {
        if (!response.headersSent)
          json(response, 500, { error: "server_error", error_description: String(error) });
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    authorityHost: base,
    certificate,
    jwksUrl: `${base}/discovery/v2.0/keys`,
    tokenRequests: requests,
    get tokensIssued() {
      return issued;
    },
    issuerFor,
    injectFault: (fault, times) => faults.add(fault, times),
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
