// One process of the fleet: its own handler (sharing Redis when REDIS_URL is set). It gets its
// first token, waits for START_AT (so every process is booted and warm), then sends a
// completion every 100 ms to the JWT-checking proxy for DURATION_MS. Prints what it saw as one
// JSON line.
import { createRedisTokenCache } from "@proxy-auth/cache-redis";
import { ProxyAuthHandler } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";

const {
  TOKEN_URL,
  CLIENT_ID,
  CLIENT_SECRET,
  PROXY_URL,
  REDIS_URL,
  ENCRYPTION_KEY,
  DURATION_MS,
  START_AT,
} = process.env;
const cache = REDIS_URL
  ? createRedisTokenCache({
      url: REDIS_URL,
      encryptionKey: ENCRYPTION_KEY,
      commandTimeoutMs: 1_000,
    })
  : undefined;
const handler = new ProxyAuthHandler({
  credential: new GenericOAuth2Credential({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    tokenUrl: TOKEN_URL,
  }),
  scope: "litellm_proxy_api",
  ...(cache ? { cache, cacheTimeoutMs: 1_500 } : {}),
});
await handler.getAuthHeaders();
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(START_AT) - Date.now())));
const tokens = new Set();
let requests = 0;
let rejected = 0;
const until = Number(START_AT) + Number(DURATION_MS);
while (Date.now() < until) {
  const headers = await handler.getAuthHeaders();
  if (headers.Authorization) tokens.add(headers.Authorization);
  const response = await fetch(`${PROXY_URL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "ping" }] }),
  });
  await response.arrayBuffer();
  requests++;
  if (response.status === 401 || response.status === 403) rejected++;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await cache?.close();
console.log(JSON.stringify({ requests, rejected, tokens: tokens.size }));
