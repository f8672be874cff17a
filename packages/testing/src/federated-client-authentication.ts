import { randomUUID } from "node:crypto";
import { IncomingMessage } from "node:http";
import { readBody } from "./fault.js";
import { type TestIssuer, unverifiedIssuer } from "./test-issuer.js";

/**
 * A client that authenticates with a JWT from a trusted {@link TestIssuer} (federated workload
 * identity: a Kubernetes service-account token, a CI job's OIDC token) instead of a secret or a
 * key of its own — as Entra's federated credentials and Keycloak's federated client
 * authentication do.
 */
export interface FederatedClient {
  clientId: string;
  /** The `sub` the assertion must carry, e.g. `system:serviceaccount:default:my-app`. */
  subject: string;
  /** The issuer the assertion must come from. Default the identity provider's `cluster`. */
  issuer?: string;
  /** The accepted `aud` values. Default the provider's issuer and token endpoint. */
  audiences?: string[];
  /** Grants the client may use. Default `["client_credentials"]`. */
  grantTypes?: string[];
}

/** What the front door learnt about a request, for the request log. */
export interface FederationOutcome {
  subject?: string;
  accepted: boolean;
}

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/**
 * oidc-provider requires `iss` = `client_id` in client assertions, so federation is done in
 * front of it: a verified federated assertion is swapped for the client's internal secret (a
 * random one no test knows); a failed one for a wrong secret, so oidc-provider answers
 * `invalid_client` as for any failed client authentication.
 */
export class FederatedClientAuthentication {
  /** The internal secret of each federated client, for its oidc-provider registration. */
  readonly secrets = new Map<string, string>();
  readonly #clients: Map<string, FederatedClient>;
  readonly #outcomes = new WeakMap<IncomingMessage, FederationOutcome>();

  constructor(
    clients: FederatedClient[],
    readonly issuers: readonly TestIssuer[],
    readonly defaultAudiences: () => string[],
  ) {
    this.#clients = new Map(clients.map((client) => [client.clientId, client]));
    for (const client of clients) this.secrets.set(client.clientId, `internal-${randomUUID()}`);
  }

  /** What happened to this (rewritten) request's federated assertion, if it had one. */
  outcome(request: IncomingMessage): FederationOutcome | undefined {
    return this.#outcomes.get(request);
  }

  /**
   * Reads a token request's body and gives back a request carrying the body oidc-provider
   * should see.
   */
  async rewrite(request: IncomingMessage): Promise<IncomingMessage> {
    const body = await readBody(request);
    const form = new URLSearchParams(body);
    const assertion = form.get("client_assertion");
    const clientId = form.get("client_id");
    const client = clientId === null ? undefined : this.#clients.get(clientId);
    let outcome: FederationOutcome | undefined;
    if (
      assertion !== null &&
      client !== undefined &&
      form.get("client_assertion_type") === JWT_BEARER
    ) {
      const subject = await this.#verify(client, assertion);
      outcome = { accepted: subject !== undefined, ...(subject ? { subject } : {}) };
      form.delete("client_assertion");
      form.delete("client_assertion_type");
      const secret = this.secrets.get(client.clientId) as string;
      form.set("client_secret", subject === undefined ? `rejected-${secret}` : secret);
    }
    const replay = replayRequest(request, outcome === undefined ? body : form.toString());
    if (outcome !== undefined) this.#outcomes.set(replay, outcome);
    return replay;
  }

  async #verify(client: FederatedClient, assertion: string): Promise<string | undefined> {
    const wanted = client.issuer ?? this.issuers[0]?.issuer;
    const issuer = this.issuers.find((candidate) => candidate.issuer === wanted);
    if (issuer === undefined || unverifiedIssuer(assertion) !== wanted) return undefined;
    try {
      const claims = await issuer.verify(assertion, client.audiences ?? this.defaultAudiences());
      return claims.sub === client.subject ? claims.sub : undefined;
    } catch {
      return undefined;
    }
  }
}

/** A request with the same socket, method, URL and headers as `original`, and `body`. */
function replayRequest(original: IncomingMessage, body: string): IncomingMessage {
  const bytes = Buffer.from(body, "utf8");
  const replay = new IncomingMessage(original.socket);
  replay.method = original.method as string;
  replay.url = original.url as string;
  replay.httpVersion = original.httpVersion;
  replay.httpVersionMajor = original.httpVersionMajor;
  replay.httpVersionMinor = original.httpVersionMinor;
  replay.headers = { ...original.headers, "content-length": String(bytes.length) };
  delete replay.headers["transfer-encoding"];
  // Complete, or ending the stream would count as an aborted request and destroy the socket.
  replay.complete = true;
  replay.push(bytes);
  replay.push(null);
  return replay;
}
