// proxy_auth_litellm (integrations/litellm) as the real LiteLLM proxy's custom_auth hook: what it
// accepts, what it refuses, who LiteLLM thinks the caller is, key rotation, a flood of made-up
// `kid`s, and the provider's key set going down. Runs on each release (scripts/run.mjs).
import { spawn } from "node:child_process";
import { createHmac, createPublicKey, type JsonWebKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthFetch, createClient } from "@proxy-auth/client";
import { ProxyAuthHandler } from "@proxy-auth/core";
import { type DPoPProver, dpopProverOf } from "@proxy-auth/core/internal";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  createTestIssuer,
  DEFAULT_CLIENT,
  type IdentityProvider,
  startIdentityProvider,
} from "@proxy-auth/testing";
import { decodeJwt, decodeProtectedHeader } from "jose";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackendStub, startBackendStub } from "../src/backend-stub.js";
import { type KeyFront, startKeyFront } from "../src/key-front.js";
import {
  type LitellmProxy,
  MASTER_KEY,
  MOCK_REPLY,
  MODELS,
  startLitellmProxy,
} from "../src/litellm-proxy.js";

/** The hook's least time between two key-set fetches caused by unknown `kid`s, in this suite. */
const REFRESH_INTERVAL_SECONDS = 5;
/** The hook's key-set lifetime in this suite: a known key older than this makes it refetch. */
const MAX_AGE_SECONDS = 3;

let idp: IdentityProvider;
let stub: BackendStub;
let front: KeyFront;
let proxy: LitellmProxy;
let folder: string;
let identityLog: string;

beforeAll(async () => {
  // DPoP on: a token request with a proof gets a DPoP-bound token; others stay bearer tokens.
  idp = await startIdentityProvider({ dpop: {} });
  stub = await startBackendStub();
  front = await startKeyFront(idp);
  await front.rotate();
  folder = mkdtempSync(join(tmpdir(), "proxy-auth-identity-"));
  identityLog = join(folder, "identities.jsonl");
  writeFileSync(identityLog, "");
  proxy = await startLitellmProxy({
    issuer: idp.issuer,
    audience: idp.audience,
    discoveryUrl: front.discoveryUrl,
    backendApiBase: stub.apiBase,
    identityLog,
    hookSettings: {
      PROXY_AUTH_TEAM_ID_CLAIM: "team",
      PROXY_AUTH_REQUIRED_SCOPES: "litellm_proxy_api",
      PROXY_AUTH_ADMIN_ROLES: "llm-admin",
      PROXY_AUTH_JWKS_REFRESH_INTERVAL_SECONDS: String(REFRESH_INTERVAL_SECONDS),
      PROXY_AUTH_JWKS_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS),
      // Proofs must carry the proxy's nonce: every DPoP client meets one use_dpop_nonce first.
      PROXY_AUTH_DPOP_NONCE: "true",
    },
  });
});

afterAll(async () => {
  await proxy?.stop();
  await front?.close();
  await stub?.close();
  await idp?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

const messages = [{ role: "user" as const, content: "Hello!" }];

/** A chat completion with this `Authorization` value (none when undefined). */
function chat(token?: string) {
  return fetch(`${proxy.url}/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ model: MODELS.mock, messages }),
    signal: AbortSignal.timeout(30_000),
  });
}

/** The 401 message LiteLLM answered, after checking LiteLLM's own error shape. */
async function refusal(response: Response): Promise<string> {
  expect(response.status).toBe(401);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(body.error).toMatchObject({ type: "auth_error", param: "None", code: "401" });
  return body.error.message as string;
}

/** The identities LiteLLM logged for successful calls, oldest first. */
function identities(): { user_id: string | null; team_id: string | null }[] {
  return readFileSync(identityLog, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** Waits until the identity probe has logged `count` calls (LiteLLM logs after answering). */
async function loggedIdentities(count: number) {
  const deadline = Date.now() + 15_000;
  while (identities().length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return identities();
}

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Waits out the hook's refetch interval since the last key-set request the front saw. */
async function afterRefreshInterval() {
  const wait = front.lastJwksRequestAt + REFRESH_INTERVAL_SECONDS * 1000 + 200 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

describe("proxy_auth_litellm on the real LiteLLM proxy", () => {
  it("accepts the provider's token, and LiteLLM attributes the call to its sub", async () => {
    const token = await idp.issueToken();
    const response = await chat(token);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toBe(MOCK_REPLY);
    const [first] = await loggedIdentities(1);
    expect(first).toMatchObject({ user_id: decodeJwt(token).sub, team_id: null });
  });

  it("maps the chosen claims to LiteLLM's user and team", async () => {
    const before = identities().length;
    const token = await front.sign({ sub: "alice", team: "data-science" });
    expect((await chat(token)).status).toBe(200);
    const logged = await loggedIdentities(before + 1);
    expect(logged.at(-1)).toMatchObject({ user_id: "alice", team_id: "data-science" });
  });

  it("refuses wrong audience, wrong issuer, a missing scope, alg none, HS256 with the public key, another provider's token, a tampered payload", async () => {
    const real = await idp.issueToken();
    const [header, payload, signature] = real.split(".") as [string, string, string];
    const claims = decodeJwt(real);

    expect(await refusal(await chat(await front.sign({ aud: "https://another-api.test" })))).toBe(
      "Authentication Error, Invalid token (InvalidAudienceError)",
    );
    expect(await refusal(await chat(await front.sign({ iss: "https://evil.example.test" })))).toBe(
      "Authentication Error, Invalid token (InvalidIssuerError)",
    );
    expect(await refusal(await chat(await front.sign({ scope: "openid" })))).toBe(
      "Authentication Error, Invalid token (missing scope litellm_proxy_api)",
    );
    const kid = decodeProtectedHeader(real).kid;
    const unsigned = `${segment({ alg: "none", kid })}.${payload}.`;
    expect(await refusal(await chat(unsigned))).toBe(
      "Authentication Error, Invalid token (algorithm not allowed)",
    );
    // The confusion attack: the provider's public key (anyone can fetch it) as an HMAC secret.
    const { keys } = (await (await fetch(idp.jwksUrl)).json()) as { keys: JsonWebKey[] };
    const publicPem = createPublicKey({ key: keys[0] as JsonWebKey, format: "jwk" }).export({
      type: "spki",
      format: "pem",
    });
    const hsHeader = segment({ alg: "HS256", typ: "JWT", kid });
    const hsSignature = createHmac("sha256", publicPem)
      .update(`${hsHeader}.${payload}`)
      .digest("base64url");
    expect(await refusal(await chat(`${hsHeader}.${payload}.${hsSignature}`))).toBe(
      "Authentication Error, Invalid token (algorithm not allowed)",
    );
    // Another provider: its own issuer, its own key.
    const other = await createTestIssuer({ issuer: "https://other-idp.example.test" });
    const foreign = await other.sign({ sub: "mallory", aud: idp.audience });
    expect(await refusal(await chat(foreign))).toMatch(/^Authentication Error, Invalid token/);
    const tampered = `${header}.${segment({ ...claims, sub: "admin" })}.${signature}`;
    expect(await refusal(await chat(tampered))).toBe(
      "Authentication Error, Invalid token (InvalidSignatureError)",
    );
    expect(await refusal(await chat("opaque-token"))).toBe(
      "Authentication Error, Invalid token (not a JWT)",
    );
    expect(await refusal(await chat())).toBe("Authentication Error, No bearer token was sent");
  });

  it("keeps LiteLLM's master key working, and refuses other sk- keys", async () => {
    expect((await chat(MASTER_KEY)).status).toBe(200);
    expect(await refusal(await chat(`${MASTER_KEY}x`))).toMatch(/virtual keys are not accepted/);
  });

  it("accepts a rotated signing key's tokens without a restart", async () => {
    const known = await front.sign({ sub: "before-rotation" });
    expect((await chat(known)).status).toBe(200);
    const kid = await front.rotate();
    await afterRefreshInterval();
    const fetches = front.jwksFetches;
    const rotated = await front.sign({ sub: "after-rotation" });
    expect(decodeProtectedHeader(rotated).kid).toBe(kid);
    expect((await chat(rotated)).status).toBe(200);
    expect(front.jwksFetches).toBe(fetches + 1);
  });

  it("fetches the key set a handful of times for 1,000 tokens with made-up kids", async () => {
    await afterRefreshInterval();
    const before = front.jwksAttempts;
    const started = Date.now();
    const statuses: number[] = [];
    const tokens = await Promise.all(
      Array.from({ length: 1000 }, (_, index) => front.sign({}, { kid: `made-up-${index}` })),
    );
    // Ten callers at a time, 1,000 requests.
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < tokens.length) {
          const response = await chat(tokens[next++]);
          statuses.push(response.status);
          await response.arrayBuffer();
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    expect(statuses).toHaveLength(1000);
    expect(new Set(statuses)).toEqual(new Set([401]));
    // At most one fetch per refresh interval, whatever the flood: a handful, not 1,000.
    const fetched = front.jwksAttempts - before;
    console.log(`1,000 made-up kids in ${seconds.toFixed(1)} s: ${fetched} key-set fetches`);
    expect(fetched).toBeGreaterThanOrEqual(1);
    expect(fetched).toBeLessThanOrEqual(1 + Math.ceil(seconds / REFRESH_INTERVAL_SECONDS));
    expect(fetched).toBeLessThan(20);
  });

  it("keeps accepting tokens of cached keys while the key set is down", async () => {
    const token = await front.sign({ sub: "while-down" });
    expect((await chat(token)).status).toBe(200);
    front.down = true;
    try {
      // Past the key set's max age and the refetch interval since the last key-set request: the
      // hook tries to refetch, is refused, keeps its keys.
      const quiet = Math.max(MAX_AGE_SECONDS, REFRESH_INTERVAL_SECONDS) * 1000 + 300;
      const wait = front.lastJwksRequestAt + quiet - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const attempts = front.jwksAttempts;
      expect((await chat(token)).status).toBe(200);
      expect((await chat(await idp.issueToken())).status).toBe(200);
      expect(front.jwksAttempts).toBe(attempts + 1);
    } finally {
      front.down = false;
    }
  });

  it("never writes a token to the proxy's output", async () => {
    expect(proxy.output()).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });
});

/** A handler asking the test provider for DPoP-bound tokens (a fresh ES256 key each). */
const dpopHandler = () =>
  new ProxyAuthHandler({
    credential: new GenericOAuth2Credential({
      ...DEFAULT_CLIENT,
      tokenUrl: idp.tokenUrl,
      dpop: true,
    }),
    scope: "litellm_proxy_api",
    logger: { warn: () => {} },
  });

/** A fetch that records each request's Authorization, DPoP proof and answer status. */
function recordingFetch() {
  const seen: { authorization: string; proof: string; status: number }[] = [];
  const recording: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    const response = await fetch(input, init);
    seen.push({
      authorization: headers.get("authorization") ?? "",
      proof: headers.get("dpop") ?? "",
      status: response.status,
    });
    return response;
  };
  return { seen, recording };
}

describe("DPoP-bound tokens on the real LiteLLM proxy (proxy_auth_litellm checks every proof)", () => {
  it("completion(), a stream and embedding(): the proxy's nonce once, then 200s, each with its own proof", async () => {
    const { seen, recording } = recordingFetch();
    const client = createClient({ apiBase: proxy.url, proxyAuth: dpopHandler(), fetch: recording });
    const answer = await client.completion({ model: MODELS.mock, messages });
    expect(answer.choices[0]?.message.content).toBe(MOCK_REPLY);
    let text = "";
    for await (const chunk of await client.completion({
      model: MODELS.mock,
      messages,
      stream: true,
    })) {
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe(MOCK_REPLY);
    const embeddings = await client.embedding({ model: MODELS.embedding, input: ["a"] });
    expect(embeddings.data).toHaveLength(1);
    expect(seen.map((request) => request.status)).toEqual([401, 200, 200, 200]);
    expect(seen.every((request) => request.authorization.startsWith("DPoP "))).toBe(true);
    expect(new Set(seen.map((request) => request.proof)).size).toBe(4);
    expect(decodeJwt(seen[1]?.authorization.slice(5) ?? "").cnf).toBeDefined();
  });

  it("createAuthFetch gives the openai package DPoP: chat, stream, embeddings", async () => {
    const { seen, recording } = recordingFetch();
    const openai = new OpenAI({
      baseURL: proxy.url,
      apiKey: "unused",
      fetch: createAuthFetch(dpopHandler(), { origins: [proxy.url], fetch: recording }),
    });
    const chat = await openai.chat.completions.create({
      model: MODELS.mock,
      messages,
    });
    expect(chat.choices[0]?.message.content).toBe(MOCK_REPLY);
    let text = "";
    const stream = await openai.chat.completions.create({
      model: MODELS.mock,
      messages,
      stream: true,
    });
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(MOCK_REPLY);
    const embeddings = await openai.embeddings.create({ model: MODELS.embedding, input: "x" });
    expect(embeddings.data).toHaveLength(1);
    expect(seen.map((request) => request.status)).toEqual([401, 200, 200, 200]);
  });

  it("proxy-auth serve with PROXY_AUTH_DPOP=true: the openai package through the forwarder", async () => {
    const bin = new URL("../../../packages/cli/dist/bin/proxy-auth.js", import.meta.url);
    const child = spawn(process.execPath, [bin.pathname, "serve", "--port", "0"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: folder,
        XDG_CACHE_HOME: join(folder, "cache"),
        PROXY_AUTH_TOKEN_URL: idp.tokenUrl,
        PROXY_AUTH_CLIENT_ID: DEFAULT_CLIENT.clientId,
        PROXY_AUTH_CLIENT_SECRET: DEFAULT_CLIENT.clientSecret,
        PROXY_AUTH_SCOPE: "litellm_proxy_api",
        PROXY_AUTH_TARGET: proxy.url,
        PROXY_AUTH_DPOP: "true",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    try {
      let stderr = "";
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve not ready: ${stderr}`)), 20_000);
        child.stderr.setEncoding("utf8").on("data", (text: string) => {
          stderr += text;
          const match = /forwarding (http:\/\/\S+)/.exec(stderr);
          if (match) {
            clearTimeout(timer);
            resolve(match[1] ?? "");
          }
        });
        child.once("exit", (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
      });
      const openai = new OpenAI({ baseURL: url, apiKey: "unused" });
      const chat = await openai.chat.completions.create({
        model: MODELS.mock,
        messages,
      });
      expect(chat.choices[0]?.message.content).toBe(MOCK_REPLY);
      const embeddings = await openai.embeddings.create({ model: MODELS.embedding, input: "x" });
      expect(embeddings.data).toHaveLength(1);
    } finally {
      child.kill("SIGKILL");
    }
  });

  describe("a DPoP-bound token used without its key: each a 401", () => {
    const chatUrl = () => `${proxy.url}/chat/completions`;
    const send = (headers: Record<string, string>, url = chatUrl()) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ model: MODELS.mock, messages }),
        signal: AbortSignal.timeout(30_000),
      });
    let token: string;
    let prover: DPoPProver;
    let thief: DPoPProver;

    beforeAll(async () => {
      const handler = dpopHandler();
      const { seen, recording } = recordingFetch();
      const response = await createAuthFetch(handler, { fetch: recording })(chatUrl(), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: MODELS.mock, messages }),
      });
      expect(response.status).toBe(200);
      token = seen.at(-1)?.authorization.slice(5) ?? "";
      const found = dpopProverOf(handler.credential);
      const other = dpopProverOf(dpopHandler().credential);
      if (found === undefined || other === undefined) throw new Error("no prover");
      prover = found;
      thief = other;
      // The thief knows the proxy's current nonce too (it is no secret).
      const nonce = prover.nonceFor(chatUrl());
      if (nonce !== undefined) thief.rememberNonce(chatUrl(), nonce);
    });

    it("control: a fresh proof of the right key, method and URL is accepted", async () => {
      const proof = await prover.proof({ method: "POST", url: chatUrl(), accessToken: token });
      expect((await send({ authorization: `DPoP ${token}`, dpop: proof })).status).toBe(200);
    });

    it("a proof without the proxy's nonce: 401 with a use_dpop_nonce challenge and the nonce", async () => {
      const fresh = dpopProverOf(dpopHandler().credential) as DPoPProver;
      const proof = await fresh.proof({ method: "POST", url: chatUrl(), accessToken: token });
      const response = await send({ authorization: `DPoP ${token}`, dpop: proof });
      expect(await refusal(response)).toMatch(/DPoP nonce required/);
      expect(response.headers.get("www-authenticate")).toMatch(/^DPoP error="use_dpop_nonce"/);
      expect(response.headers.get("dpop-nonce")).toBe(prover.nonceFor(chatUrl()));
    });

    it("the token without a proof", async () => {
      expect(await refusal(await send({ authorization: `DPoP ${token}` }))).toMatch(
        /DPoP proof missing/,
      );
    });

    it("a proof for another method", async () => {
      const proof = await prover.proof({ method: "GET", url: chatUrl(), accessToken: token });
      const response = await send({ authorization: `DPoP ${token}`, dpop: proof });
      expect(await refusal(response)).toMatch(/another method/);
    });

    it("a proof for another URL", async () => {
      const url = `${proxy.url}/embeddings`;
      const proof = await prover.proof({ method: "POST", url, accessToken: token });
      const response = await send({ authorization: `DPoP ${token}`, dpop: proof });
      expect(await refusal(response)).toMatch(/another URL/);
    });

    it("a reused jti", async () => {
      const proof = await prover.proof({ method: "POST", url: chatUrl(), accessToken: token });
      expect((await send({ authorization: `DPoP ${token}`, dpop: proof })).status).toBe(200);
      const replay = await send({ authorization: `DPoP ${token}`, dpop: proof });
      expect(await refusal(replay)).toMatch(/replayed/);
    });

    it("a proof signed by another key", async () => {
      const proof = await thief.proof({ method: "POST", url: chatUrl(), accessToken: token });
      const response = await send({ authorization: `DPoP ${token}`, dpop: proof });
      expect(await refusal(response)).toMatch(/another key/);
    });

    it("the DPoP-bound token sent as a bearer token", async () => {
      const response = await send({ authorization: `Bearer ${token}` });
      expect(await refusal(response)).toMatch(/DPoP-bound token sent as a bearer token/);
      expect(response.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_token"/);
    });

    it("never writes a token or a proof to the proxy's output", () => {
      expect(proxy.output()).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    });
  });
});
