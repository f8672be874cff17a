import { litellm, ProxyRequestError } from "@proxy-auth/client";
import { type AccessToken, ProxyAuthHandler, type TokenCredential } from "@proxy-auth/core";
import { onEvent } from "./telemetry.js";
import type { Trace } from "./trace.js";

/** What every step needs. */
export interface Stage {
  trace: Trace;
  apiBase: string;
  model: string;
  embeddingModel: string | undefined;
  scope: string;
}

const hello = (model: string, content = "Hello!") => ({
  model,
  messages: [{ role: "user" as const, content }],
});

/** The seed's quick start: the handler set once, then completion() with the header injected. */
export async function completionStep(
  stage: Stage,
  credential: TokenCredential,
  name: string,
): Promise<void> {
  const { trace } = stage;
  trace.step(`${name} → litellm.completion()`);
  litellm.proxyAuth = new ProxyAuthHandler({
    credential,
    scope: stage.scope,
    logger: trace.logger,
    onEvent,
  });
  litellm.apiBase = stage.apiBase;
  const response = await litellm.completion(hello(stage.model));
  trace.request(
    `POST /chat/completions (${stage.model})`,
    `200: "${response.choices[0]?.message.content}"`,
  );
}

export async function embeddingStep(stage: Stage): Promise<void> {
  const { trace, embeddingModel } = stage;
  trace.step("litellm.embedding()");
  if (embeddingModel === undefined) {
    trace.note("skipped: set PROXY_AUTH_EMBEDDING_MODEL to try embeddings");
    return;
  }
  const response = await litellm.embedding({
    model: embeddingModel,
    input: ["Hello!", "Bonjour !"],
  });
  trace.request(
    `POST /embeddings (${embeddingModel})`,
    `200: ${response.data.length} vectors of ${response.data[0]?.embedding.length} numbers`,
  );
}

export async function streamingStep(stage: Stage): Promise<void> {
  const { trace } = stage;
  trace.step("litellm.completion({ stream: true })");
  const stream = await litellm.completion({
    ...hello(stage.model, "Stream this answer, please"),
    stream: true,
  });
  let text = "";
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta.content ?? "";
  }
  trace.request("POST /chat/completions (stream)", `200: ${chunks} chunks: "${text}"`);
}

/**
 * Requests spread over a few token lifetimes: the handler refreshes in the background before
 * each token expires, so no request waits for the identity provider.
 */
export async function refreshStep(
  stage: Stage,
  seconds: number,
  expectRefresh = true,
): Promise<void> {
  const { trace } = stage;
  trace.step(`${seconds} s of requests across token refreshes`);
  const refreshedBefore = trace.refreshed;
  const until = performance.now() + seconds * 1000;
  let slowest = 0;
  let count = 0;
  while (performance.now() < until) {
    const started = performance.now();
    // The wait for the header, as the timeline draws it (the completion then finds the same token).
    await litellm.proxyAuth?.getAuthHeaders();
    trace.timeline?.request(started, performance.now() - started);
    await litellm.completion(hello(stage.model, `request ${++count}`));
    slowest = Math.max(slowest, performance.now() - started);
    trace.requests++;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  trace.note(
    `${count} completions, all 200; ${trace.refreshed - refreshedBefore} background refreshes; slowest request ${slowest.toFixed(1)} ms`,
  );
  if (expectRefresh && trace.refreshed === refreshedBefore)
    trace.fail("no token was refreshed although tokens expired during the step");
}

/** The seed's custom credential: any object with getToken(scope) works. */
export async function customCredentialStep(
  stage: Stage,
  tokenUrl: string,
  clientId: string,
  clientSecret: string,
): Promise<void> {
  const { trace } = stage;
  trace.step("A custom credential (any object with getToken(scope))");
  class MyCustomCredential implements TokenCredential {
    async getToken(scope: string): Promise<AccessToken> {
      // Your own logic to obtain a token: here, a hand-written client_credentials request.
      const response = await fetch(tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: clientId,
          client_secret: clientSecret,
          scope,
        }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as { access_token: string; expires_in: number };
      return {
        token: body.access_token,
        expiresOn: Math.floor(Date.now() / 1000) + body.expires_in,
      };
    }
  }
  litellm.proxyAuth = new ProxyAuthHandler({
    credential: new MyCustomCredential(),
    scope: stage.scope,
    logger: trace.logger,
    onEvent,
  });
  const response = await litellm.completion(hello(stage.model));
  trace.request(
    "POST /chat/completions (custom credential)",
    `200: "${response.choices[0]?.message.content}"`,
  );
}

/** The seed's use_litellm_proxy form: the base comes from LITELLM_PROXY_API_BASE. */
export async function useLitellmProxyStep(
  stage: Stage,
  model = "vertex_ai/gemini-2.0-flash-001",
): Promise<void> {
  const { trace } = stage;
  trace.step("litellm.useLitellmProxy = true with LITELLM_PROXY_API_BASE");
  process.env.LITELLM_PROXY_API_BASE = stage.apiBase;
  litellm.apiBase = undefined;
  litellm.useLitellmProxy = true;
  try {
    const response = await litellm.completion(hello(model));
    trace.request(`POST /chat/completions (${model})`, `200 from model "${response.model}"`);
  } finally {
    litellm.useLitellmProxy = false;
    litellm.apiBase = stage.apiBase;
  }
}

/**
 * The identity provider is down: the handler warns once, the request goes on without a token
 * (the seed's behaviour) and the proxy's 401 comes back explained.
 */
export async function outageStep(
  stage: Stage,
  credential: TokenCredential,
  takeDown: () => void,
  bringBack: () => void,
): Promise<void> {
  const { trace } = stage;
  trace.step("The identity provider is down");
  takeDown();
  try {
    litellm.proxyAuth = new ProxyAuthHandler({
      credential,
      scope: stage.scope,
      logger: trace.logger,
      onEvent,
      retry: { attempts: 1 },
    });
    const warningsBefore = trace.warnings;
    try {
      await litellm.completion(hello(stage.model), { maxRetries: 0 });
      trace.fail("the proxy accepted a request without a token");
    } catch (error) {
      if (!ProxyRequestError.isInstance(error) || error.status !== 401) throw error;
      trace.request("POST /chat/completions (no token)", `401, explained: ${error.message}`);
    }
    if (trace.warnings !== warningsBefore + 1)
      trace.fail(`expected one warning, saw ${trace.warnings - warningsBefore}`);
  } finally {
    bringBack();
  }
}
