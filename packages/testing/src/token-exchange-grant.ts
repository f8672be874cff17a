import type Provider from "oidc-provider";
import type { KoaContextWithOIDC } from "oidc-provider";
import { tokenRequestProofThumbprint } from "./dpop-proof-verifier.js";
import { type TestIssuer, unverifiedIssuer } from "./test-issuer.js";

/** The RFC 8693 grant type. */
export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";

const TOKEN_TYPE = "urn:ietf:params:oauth:token-type:";
const ACCEPTED_INPUT_TYPES = new Set([
  `${TOKEN_TYPE}jwt`,
  `${TOKEN_TYPE}id_token`,
  `${TOKEN_TYPE}access_token`,
]);
const ACCESS_TOKEN_TYPE = `${TOKEN_TYPE}access_token`;

/** Who an exchanged token speaks for, by token (read by the JWT customizer). */
export type ExchangeSubjects = WeakMap<object, { sub: string; act?: { sub: string; iss: string } }>;

/** What the grant needs from the identity provider. */
export interface TokenExchangeSettings {
  issuers: readonly TestIssuer[];
  /** The `aud` values a subject or actor token must carry (one of). */
  audiences: () => string[];
  /** The default resource (audience) of issued tokens. */
  defaultResource: string;
  scopes: string[];
  lifetimeSeconds: () => number;
  subjects: ExchangeSubjects;
  errors: {
    InvalidGrant: ErrorClass;
    InvalidRequest: ErrorClass;
    InvalidTarget: ErrorClass;
    InvalidDpopProof: ErrorClass;
  };
}

type ErrorClass = new (description: string) => Error;

/**
 * Registers RFC 8693 token exchange on an oidc-provider: the subject token (and an actor token,
 * when given) must be a JWT of one of `issuers` for this provider; the answer is a JWT access
 * token whose `sub` is the subject's and, with an actor, whose `act` names it.
 */
export function registerTokenExchange(provider: Provider, settings: TokenExchangeSettings): void {
  const { errors } = settings;
  const verify = async (token: string, type: string | undefined, name: string) => {
    if (type === undefined || !ACCEPTED_INPUT_TYPES.has(type)) {
      throw new errors.InvalidRequest(`unsupported ${name}_type`);
    }
    const issuer = settings.issuers.find(
      (candidate) => candidate.issuer === unverifiedIssuer(token),
    );
    if (issuer === undefined) throw new errors.InvalidGrant(`${name} is not from a trusted issuer`);
    try {
      const claims = await issuer.verify(token, settings.audiences());
      if (typeof claims.sub !== "string") throw new Error("no sub");
      return { sub: claims.sub, iss: issuer.issuer };
    } catch (error) {
      const code = (error as { code?: string }).code ?? "invalid";
      throw new errors.InvalidGrant(`${name} is invalid (${code})`);
    }
  };

  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async (ctx: KoaContextWithOIDC) => {
      const params = ctx.oidc.params as Record<string, string | undefined>;
      const requested = params.requested_token_type;
      if (requested !== undefined && requested !== ACCESS_TOKEN_TYPE) {
        throw new errors.InvalidRequest("only access tokens are issued");
      }
      const subject = await verify(
        params.subject_token as string,
        params.subject_token_type,
        "subject_token",
      );
      if (params.actor_token === undefined && params.actor_token_type !== undefined) {
        throw new errors.InvalidRequest("actor_token_type without actor_token");
      }
      const actor =
        params.actor_token === undefined
          ? undefined
          : await verify(params.actor_token, params.actor_token_type, "actor_token");
      const resource = params.resource ?? params.audience ?? settings.defaultResource;
      if (!URL.canParse(resource))
        throw new errors.InvalidTarget("resource must be an absolute URI");
      const requestedScopes = (params.scope ?? "").split(" ").filter(Boolean);
      const scope = requestedScopes.filter((item) => settings.scopes.includes(item)).join(" ");
      const { ClientCredentials, ResourceServer } = provider as unknown as {
        ClientCredentials: new (
          fields: Record<string, unknown>,
        ) => {
          resourceServer?: unknown;
          expiration: number;
          setThumbprint(kind: "jkt", thumbprint: string): void;
          save(): Promise<string>;
        };
        ResourceServer: new (identifier: string, info: Record<string, unknown>) => unknown;
      };
      const token = new ClientCredentials({ client: ctx.oidc.client, scope: scope || undefined });
      token.resourceServer = new ResourceServer(resource, {
        scope: settings.scopes.join(" "),
        audience: resource,
        accessTokenTTL: settings.lifetimeSeconds(),
        accessTokenFormat: "jwt",
      });
      settings.subjects.set(token, {
        sub: subject.sub,
        ...(actor === undefined ? {} : { act: actor }),
      });
      // DPoP (RFC 9449): oidc-provider binds only its own grants; this one binds here.
      let jkt: string | undefined;
      try {
        jkt = await tokenRequestProofThumbprint(ctx.req, `${ctx.oidc.issuer}/token`);
      } catch (error) {
        throw new errors.InvalidDpopProof((error as Error).message);
      }
      if (jkt !== undefined) token.setThumbprint("jkt", jkt);
      const value = await token.save();
      ctx.body = {
        access_token: value,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: jkt === undefined ? "Bearer" : "DPoP",
        expires_in: token.expiration,
        ...(scope ? { scope } : {}),
      };
    },
    [
      "subject_token",
      "subject_token_type",
      "actor_token",
      "actor_token_type",
      "requested_token_type",
      "audience",
      "resource",
      "scope",
    ],
  );
}
