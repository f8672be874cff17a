import { getBearerTokenProvider } from "@azure/identity";
import { barColor, cachedPathChart, renderSvg } from "@proxy-auth/charts";
import { createMemoryTokenCache, ProxyAuthHandler } from "@proxy-auth/core";
import { do_not_optimize, measure } from "mitata";
import { ns, ratio, type Section } from "./report.js";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl";
const SCOPE = "api://my-litellm-proxy/.default";

/**
 * Benchmark 1: the cached path. A warm `getAuthHeaders()` against Azure's
 * `getBearerTokenProvider` (same token, an hour left) and a bare async function returning a
 * cached string: the floor any token provider could reach.
 */
export async function cachedHeaders(smoke: boolean): Promise<Section> {
  const handler = new ProxyAuthHandler({
    credential: { getToken: () => ({ token: TOKEN, expiresOn: Date.now() / 1000 + 3600 }) },
    scope: SCOPE,
  });
  const azureProvider = getBearerTokenProvider(
    { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) },
    SCOPE,
  );
  const withCache = new ProxyAuthHandler({
    credential: { getToken: () => ({ token: TOKEN, expiresOn: Date.now() / 1000 + 3600 }) },
    scope: SCOPE,
    cache: createMemoryTokenCache(),
    cacheKey: "bench",
  });
  await withCache.getAuthHeaders();
  const cached = TOKEN;
  const floor = async () => cached;
  await handler.getAuthHeaders();
  await azureProvider();

  const options = smoke ? { min_cpu_time: 5e6, max_samples: 200 } : { min_cpu_time: 1e9 };
  const candidates: [string, () => Promise<unknown>][] = [
    ["bare async function (floor)", floor],
    ["proxy-auth getAuthHeaders()", () => handler.getAuthHeaders()],
    ["proxy-auth getToken()", () => handler.getToken()],
    ["proxy-auth getAuthHeaders(), shared cache configured", () => withCache.getAuthHeaders()],
    ["@azure/identity getBearerTokenProvider()", azureProvider],
  ];
  // Two interleaved rounds; the better median of each counts, so one noisy moment does not decide.
  const best = new Map<string, number>();
  for (let round = 0; round < 2; round++) {
    for (const [name, fn] of candidates) {
      const stats = await measure(async () => do_not_optimize(await fn()), options);
      best.set(name, Math.min(best.get(name) ?? Number.POSITIVE_INFINITY, stats.p50));
    }
  }
  const floorNs = best.get("bare async function (floor)") as number;
  const oursNs = best.get("proxy-auth getAuthHeaders()") as number;
  const azureNs = best.get("@azure/identity getBearerTokenProvider()") as number;
  const bars = cachedPathChart(
    candidates.map(([name]) => ({ label: name, nanoseconds: best.get(name) as number })),
    "The cached path: time per awaited call",
    "A warm call with an hour-long token cached; median of mitata samples, the better of two rounds",
  );
  return {
    title: "1. Cached getAuthHeaders()",
    description:
      "A warm call with an hour-long token cached: what every request pays. Median time per awaited call (mitata). Targets: at least 5× faster than Azure's `getBearerTokenProvider`, within 2× of a bare async function returning a cached string.",
    table: [
      ["implementation", "median per call", "vs floor", "Azure / this"],
      ...candidates.map(([name]) => {
        const value = best.get(name) as number;
        return [name, ns(value), ratio(value / floorNs), ratio(azureNs / value)];
      }),
    ],
    notes: [
      `getAuthHeaders() is ${ratio(azureNs / oursNs)} faster than Azure (target ≥ 5×): ${azureNs / oursNs >= 5 ? "met" : "NOT met"}.`,
      `getAuthHeaders() costs ${ratio(oursNs / floorNs)} the floor (target ≤ 2×): ${oursNs / floorNs <= 2 ? "met" : "NOT met"}.`,
    ],
    charts: [
      {
        file: "cached-path.svg",
        alt: "Cached path: nanoseconds per call for proxy-auth, Azure's provider and the floor",
        svg: renderSvg(bars.option, bars),
        // One bar per implementation (bars are the only marks in this colour; there is no legend).
        expectedMarks: [{ what: "bars", color: barColor, count: candidates.length }],
      },
    ],
  };
}
