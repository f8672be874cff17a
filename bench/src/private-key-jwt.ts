import { ProxyAuthHandler } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import { startIdentityProvider } from "@proxy-auth/testing";
import type { Section } from "./report.js";

const SCOPE = "litellm_proxy_api";
const SECRET = "bench-client-secret";

/** A canned token answer: isolates what the client spends from the network and the provider. */
const cannedFetch: typeof fetch = async () =>
  new Response(
    JSON.stringify({
      access_token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJiIn0.",
      token_type: "Bearer",
      expires_in: 3600,
    }),
    { headers: { "content-type": "application/json" } },
  );

interface Form {
  name: string;
  clientId: string;
  options: Record<string, unknown>;
}

async function keyForm(
  name: string,
  algorithm: AlgorithmIdentifier | EcKeyGenParams | RsaHashedKeyGenParams,
  kid: string,
) {
  const pair = (await crypto.subtle.generateKey(algorithm, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const publicJwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  const { alg: _alg, key_ops: _ops, ext: _ext, ...publicKey } = publicJwk;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const pem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8).toString("base64")}\n-----END PRIVATE KEY-----`;
  return {
    form: { name, clientId: kid, options: { privateKey: pem, keyId: kid } } satisfies Form,
    jwks: { keys: [{ ...publicKey, kid }] },
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const ms = (value: number) => `${value.toFixed(2)} ms`;

/**
 * Benchmark 10: what `private_key_jwt` costs against a client secret. Cold start: a new
 * credential and handler, first `getAuthHeaders()` (the PEM import included). Refresh: one more
 * token request on a warm credential (a fresh assertion signed each time). Each against the
 * loopback oidc-provider (which also verifies the assertion), and with a canned answer, which
 * leaves only the client's own work.
 */
export async function privateKeyJwt(smoke: boolean): Promise<Section> {
  const rounds = smoke ? 3 : 40;
  const keys = await Promise.all([
    keyForm(
      "private_key_jwt RS256 (RSA 2048)",
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      "rsa-client",
    ),
    keyForm("private_key_jwt ES256 (P-256)", { name: "ECDSA", namedCurve: "P-256" }, "ec-client"),
    keyForm("private_key_jwt EdDSA (Ed25519)", { name: "Ed25519" }, "ed-client"),
  ]);
  const forms: Form[] = [
    { name: "client_secret_post", clientId: "secret-client", options: { clientSecret: SECRET } },
    ...keys.map(({ form }) => form),
  ];
  const idp = await startIdentityProvider({
    clients: [{ clientId: "secret-client", clientSecret: SECRET }],
    keyClients: keys.map(({ form, jwks }) => ({ clientId: form.clientId, jwks })),
  });
  const rows: string[][] = [];
  const refreshByForm = new Map<string, number>();
  try {
    // Two passes; the first warms up (JIT, the server), so the form measured first is not penalised.
    for (const [pass, form] of [...forms, ...forms].entries()) {
      const make = (transport?: typeof fetch) =>
        new GenericOAuth2Credential({
          clientId: form.clientId,
          tokenUrl: idp.tokenUrl,
          ...form.options,
          ...(transport ? { fetch: transport } : {}),
        } as never);
      const cold = async (transport?: typeof fetch) => {
        const times: number[] = [];
        for (let round = 0; round < rounds; round++) {
          const started = performance.now();
          const handler = new ProxyAuthHandler({ credential: make(transport), scope: SCOPE });
          await handler.getAuthHeaders();
          times.push(performance.now() - started);
        }
        return median(times);
      };
      const refresh = async (transport?: typeof fetch) => {
        const credential = make(transport);
        await credential.getToken(SCOPE);
        const times: number[] = [];
        for (let round = 0; round < rounds; round++) {
          const started = performance.now();
          await credential.getToken(SCOPE);
          times.push(performance.now() - started);
        }
        return median(times);
      };
      const refreshIdp = await refresh();
      const row = [
        form.name,
        ms(await cold()),
        ms(refreshIdp),
        ms(await cold(cannedFetch)),
        ms(await refresh(cannedFetch)),
      ];
      if (pass < forms.length) continue;
      refreshByForm.set(form.name, refreshIdp);
      rows.push(row);
    }
  } finally {
    await idp.close();
  }
  const secret = refreshByForm.get("client_secret_post") as number;
  const worst = Math.max(...[...refreshByForm.values()]);
  return {
    title: "11. Credentials without a secret: private_key_jwt",
    description: `What signing an assertion per token request costs beside a client secret. Median of ${rounds} runs each: a cold start (new credential and handler, first getAuthHeaders(), PEM import included) and a refresh (one token request on a warm credential), against the loopback oidc-provider (which verifies the assertion too) and against a canned answer (the client's own work only). A handler asks for a token once per token lifetime, never per call: the cached path (section 1) is the same for every form.`,
    table: [
      [
        "client authentication",
        "cold start (oidc-provider)",
        "refresh (oidc-provider)",
        "cold start (client only)",
        "refresh (client only)",
      ],
      ...rows,
    ],
    notes: [
      `The slowest key form adds ${ms(worst - secret)} to a token request against oidc-provider (client_secret_post: ${ms(secret)}).`,
    ],
  };
}
