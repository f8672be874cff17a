import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { IdentityProvider } from "@proxy-auth/testing";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

/**
 * The identity provider's key publication as the proxy sees it: the real provider's discovery
 * document and JWKS, served through a loopback front that counts key-set fetches, can go down,
 * and can publish a rotated signing key (the test provider's own keys are fixed at start).
 */
export interface KeyFront {
  /** `PROXY_AUTH_DISCOVERY_URL` for the proxy: the provider's document, `jwks_uri` pointing here. */
  readonly discoveryUrl: string;
  /** Key-set fetches answered so far (a fetch while down counts in `jwksAttempts` only). */
  readonly jwksFetches: number;
  /** Key-set requests received, answered or refused. */
  readonly jwksAttempts: number;
  /** When the last key-set request arrived (ms since epoch), or 0. */
  readonly lastJwksRequestAt: number;
  /** While true, the key-set endpoint answers 503. */
  down: boolean;
  /** Publishes a new signing key (the provider's keys stay published) and signs with it from now. */
  rotate(): Promise<string>;
  /** Signs a token with the latest rotated key: the provider's `iss` and `aud`, one hour, `claims` over them. */
  sign(claims: JWTPayload, header?: { kid?: string }): Promise<string>;
  close(): Promise<void>;
}

/** Starts a {@link KeyFront} for `idp`. */
export async function startKeyFront(idp: IdentityProvider): Promise<KeyFront> {
  const published: JWK[] = [];
  let signing: { key: CryptoKey; kid: string } | undefined;
  const state = { jwksFetches: 0, jwksAttempts: 0, lastJwksRequestAt: 0, down: false };
  const server = createServer(async (request, response) => {
    try {
      if (request.url === "/.well-known/openid-configuration") {
        const upstream = await fetch(`${idp.issuer}/.well-known/openid-configuration`, {
          signal: AbortSignal.timeout(5_000),
        });
        const document = (await upstream.json()) as Record<string, unknown>;
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify({ ...document, jwks_uri: `${base}/jwks` }));
        return;
      }
      if (request.url === "/jwks") {
        state.jwksAttempts++;
        state.lastJwksRequestAt = Date.now();
        if (state.down) {
          response.statusCode = 503;
          response.end();
          return;
        }
        const upstream = await fetch(idp.jwksUrl, { signal: AbortSignal.timeout(5_000) });
        const { keys } = (await upstream.json()) as { keys: JWK[] };
        state.jwksFetches++;
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify({ keys: [...keys, ...published] }));
        return;
      }
      response.statusCode = 404;
      response.end();
    } catch {
      response.statusCode = 502;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    discoveryUrl: `${base}/.well-known/openid-configuration`,
    get jwksFetches() {
      return state.jwksFetches;
    },
    get jwksAttempts() {
      return state.jwksAttempts;
    },
    get lastJwksRequestAt() {
      return state.lastJwksRequestAt;
    },
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    async rotate() {
      const { privateKey, publicKey } = await generateKeyPair("RS256");
      const kid = `rotated-${published.length + 1}`;
      published.push({ ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" });
      signing = { key: privateKey, kid };
      return kid;
    },
    async sign(claims, header = {}) {
      if (signing === undefined) throw new Error("rotate() first");
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: idp.issuer,
        aud: idp.audience,
        sub: "svc-rotated",
        scope: "litellm_proxy_api",
        iat: now,
        nbf: now,
        exp: now + 3600,
        ...claims,
      })
        .setProtectedHeader({ alg: "RS256", kid: header.kid ?? signing.kid })
        .sign(signing.key);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
