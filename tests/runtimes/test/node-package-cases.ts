import { AzureADCredential } from "@proxy-auth/azure";
import { createRedisTokenCache } from "@proxy-auth/cache-redis";
import { createClient } from "@proxy-auth/client";
import { ProxyAuthHandler } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import { startRedisServer } from "@proxy-auth/testing";
import { check, type Deployment, type SeedCase } from "../src/seed-flow.ts";

const hello = { model: "gpt-4", messages: [{ role: "user" as const, content: "Hello!" }] };

async function tokensIssued(deployment: Deployment): Promise<number> {
  const response = await fetch(`${deployment.controlUrl}/stats`);
  return ((await response.json()) as { tokensIssued: number }).tokensIssued;
}

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
        const before = await tokensIssued(deployment);
        for (const cache of caches) {
          const client = createClient({
            apiBase: deployment.proxyUrl,
            proxyAuth: new ProxyAuthHandler({
              credential: new GenericOAuth2Credential({
                clientId: deployment.clientId,
                clientSecret: deployment.clientSecret,
                tokenUrl: deployment.tokenUrl,
              }),
              scope: deployment.scope,
              onTokenError: "throw",
              cache,
            }),
          });
          const response = await client.completion(hello);
          check(response.choices[0]?.message.content === "Echo: Hello!", "answer");
        }
        check((await tokensIssued(deployment)) - before === 1, "one grant for both handlers");
      } finally {
        await Promise.all(caches.map((cache) => cache.close()));
        await redis.stop();
      }
    },
  },
];
