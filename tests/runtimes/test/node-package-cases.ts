import { AzureADCredential } from "@proxy-auth/azure";
import { createRedisTokenCache } from "@proxy-auth/cache-redis";
import { createClient } from "@proxy-auth/client";
import { ProxyAuthHandler } from "@proxy-auth/core";
import { startRedisServer } from "@proxy-auth/testing";
import {
  check,
  type Deployment,
  handlerFor,
  hello,
  type SeedCase,
  stats,
} from "../src/seed-flow.ts";

async function grantToken(deployment: Deployment): Promise<{ token: string; expiresIn: number }> {
  const response = await fetch(deployment.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: deployment.clientId,
      client_secret: deployment.clientSecret,
      scope: deployment.scope,
    }),
  });
  const body = (await response.json()) as { access_token: string; expires_in: number };
  return { token: body.access_token, expiresIn: body.expires_in };
}

/**
 * What Node runs besides the seed flow: the Node-only packages, loaded and used (their own
 * suites test them in depth: the real @azure/identity, Redis outages, a fleet).
 */
export const nodePackageCases: SeedCase[] = [
  {
    name: "@proxy-auth/azure: AzureADCredential's token passes the proxy",
    packages: ["azure"],
    outcome: "works",
    async run(deployment) {
      // An @azure/core-auth TokenCredential, as @azure/identity's are, backed by the loopback IdP.
      const azureCredential = {
        async getToken() {
          const { token, expiresIn } = await grantToken(deployment);
          return { token, expiresOnTimestamp: Date.now() + expiresIn * 1000 };
        },
      };
      const client = createClient({
        apiBase: deployment.proxyUrl,
        proxyAuth: new ProxyAuthHandler({
          credential: new AzureADCredential({ credential: azureCredential }),
          scope: deployment.scope,
          onTokenError: "throw",
        }),
      });
      const response = await client.completion(hello);
      check(response.choices[0]?.message.content === "Echo: Hello!", "answer");
    },
  },
  {
    name: "@proxy-auth/cache-redis: two handlers share one token through Redis",
    packages: ["cache-redis"],
    outcome: "works",
    async run(deployment) {
      const redis = await startRedisServer();
      const caches = [0, 1].map(() =>
        createRedisTokenCache({ url: redis.url, encryptionKey: "runtimes-test-key" }),
      );
      try {
        const before = await stats(deployment);
        for (const cache of caches) {
          const client = createClient({
            apiBase: deployment.proxyUrl,
            proxyAuth: handlerFor(deployment, { cache }),
          });
          const response = await client.completion(hello);
          check(response.choices[0]?.message.content === "Echo: Hello!", "answer");
        }
        const after = await stats(deployment);
        check(after.tokensIssued - before.tokensIssued === 1, "one grant for both handlers");
      } finally {
        await Promise.all(caches.map((cache) => cache.close()));
        await redis.stop();
      }
    },
  },
];
