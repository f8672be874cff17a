// One process of the fleet-at-scale benchmark: HANDLERS handlers sharing one ioredis client
// (one createRedisTokenCache), each with its own credential call counter feeding one in-process
// "identity provider" (a LATENCY_MS pause, then a fresh token of LIFETIME_MS). Every handler asks
// for its headers every 100 ms until START_AT + DURATION_MS. Prints one JSON line: the commands
// the client sent per 100 ms of the window, the tokens granted inside it, requests without a
// token, and per token the first and last time one of
// this process's handlers switched to it.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { createRedisTokenCache } from "@proxy-auth/cache-redis";
import { ProxyAuthHandler } from "@proxy-auth/core";

const { REDIS_URL, HANDLERS, LATENCY_MS, LIFETIME_MS, DURATION_MS, START_AT } = process.env;
const startAt = Number(START_AT);
const until = startAt + Number(DURATION_MS);
// The process's one ioredis client (ioredis as @proxy-auth/cache-redis resolves it), counting
// the commands it sends (round trips; a script is one) in 100 ms bins of the window.
const { Redis } = createRequire(import.meta.resolve("@proxy-auth/cache-redis"))("ioredis");
const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 0, commandTimeout: 2_000 });
const sent = {};
const send = client.sendCommand.bind(client);
client.sendCommand = (...args) => {
  const bin = Math.floor((Date.now() - startAt) / 100);
  if (bin >= 0 && Date.now() < until) sent[bin] = (sent[bin] ?? 0) + 1;
  return send(...args);
};
const cache = createRedisTokenCache({ client, allowPlaintext: true });
const granted = [];
const credential = {
  async getToken() {
    await new Promise((resolve) => setTimeout(resolve, Number(LATENCY_MS)));
    const token = `fleet-${randomUUID()}`;
    if (Date.now() >= startAt && Date.now() < until) granted.push(`Bearer ${token}`);
    return {
      token,
      expiresOn: (Date.now() + Number(LIFETIME_MS)) / 1000,
    };
  },
};
const handlers = Array.from(
  { length: Number(HANDLERS) },
  () =>
    new ProxyAuthHandler({
      credential,
      scope: "fleet-at-scale",
      cacheKey: "fleet-at-scale-client",
      cache,
      cacheTimeoutMs: 2_000,
    }),
);
const held = handlers.map(() => "");
/** token → [first switch, last switch] (ms since epoch) among this process's handlers */
const switches = {};
let withoutToken = 0;
const round = async () => {
  const now = Date.now();
  await Promise.all(
    handlers.map(async (handler, index) => {
      const headers = await handler.getAuthHeaders();
      const token = headers.Authorization;
      if (token === undefined) {
        if (now >= startAt) withoutToken++;
        return;
      }
      if (token === held[index]) return;
      held[index] = token;
      const seen = switches[token];
      if (seen === undefined) switches[token] = [now, now];
      else seen[1] = Math.max(seen[1], now);
    }),
  );
};
// Warm up: every handler gets its first token before the window opens.
await round();
while (Date.now() < until) {
  const next = Date.now() + 100;
  await round();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
}
await cache.close();
await client.quit();
console.log(
  JSON.stringify({
    sent,
    granted,
    withoutToken,
    switches,
  }),
);
