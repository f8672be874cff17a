import { createClient } from "@proxy-auth/client";
import { ProxyAuthHandler } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import type { Section } from "./report.js";
import { startServerProcess } from "./server-process.js";

const LIFETIME_SECONDS = 5;
const CONCURRENCY = 32;

/**
 * Soak: many completions across many token rotations against the real identity provider and
 * the JWT-checking proxy (another process). Targets: 0 rejected, heap after / before ≤ 1.1
 * (both measured after a forced GC).
 */
export async function soak(smoke: boolean): Promise<Section> {
  const total = smoke ? 2_000 : 100_000;
  const servers = await startServerProcess({ TOKEN_LIFETIME_SECONDS: String(LIFETIME_SECONDS) });
  try {
    let grants = 0;
    const inner = new GenericOAuth2Credential({
      clientId: servers.clientId,
      clientSecret: servers.clientSecret,
      tokenUrl: servers.tokenUrl,
    });
    const handler = new ProxyAuthHandler({
      credential: {
        getToken: (scope, options) => {
          grants++;
          return inner.getToken(scope, options);
        },
      },
      scope: "litellm_proxy_api",
    });
    const client = createClient({ apiBase: servers.proxyUrl, proxyAuth: handler, maxRetries: 0 });
    const body = { model: "gpt-4", messages: [{ role: "user" as const, content: "Hello!" }] };
    const batch = async (count: number) => {
      let next = 0;
      let failed = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < count) {
            next++;
            await client.completion(body).catch(() => failed++);
          }
        }),
      );
      return failed;
    };
    await batch(2_000); // warm: JIT, connections, first token
    const heapBefore = settledHeap();
    const started = performance.now();
    const grantsBefore = grants;
    const failed = await batch(total);
    const seconds = (performance.now() - started) / 1000;
    const heapAfter = settledHeap();
    const ratio = heapAfter / heapBefore;
    const rotations = grants - grantsBefore;
    return {
      title: "6. Soak",
      description: `${total.toLocaleString("en")} completions, ${CONCURRENCY} in flight, ${LIFETIME_SECONDS}-second tokens, against the real identity provider and the JWT-checking proxy in another process. Heap measured after a forced GC, before and after. Targets: 0 rejected, heap after / before ≤ 1.1.`,
      table: [
        [
          "completions",
          "duration",
          "token grants (rotations)",
          "failed or rejected",
          "heap before",
          "heap after",
          "after / before",
        ],
        [
          total.toLocaleString("en"),
          `${seconds.toFixed(1)} s`,
          String(rotations),
          String(failed),
          `${(heapBefore / 2 ** 20).toFixed(1)} MiB`,
          `${(heapAfter / 2 ** 20).toFixed(1)} MiB`,
          ratio.toFixed(3),
        ],
      ],
      notes: [
        `${failed} failed or rejected (target 0): ${failed === 0 ? "met" : "NOT met"}; heap ratio ${ratio.toFixed(3)} (target ≤ 1.1): ${ratio <= 1.1 ? "met" : "NOT met"}${globalThis.gc ? "" : " (run with --expose-gc for a settled heap)"}.`,
      ],
    };
  } finally {
    await servers.stop();
  }
}

function settledHeap(): number {
  for (let i = 0; i < 3; i++) globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}
