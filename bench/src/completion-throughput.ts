import { createApiKeyProvider, createClient } from "@proxy-auth/client";
import { ProxyAuthHandler } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import OpenAI from "openai";
import { ratio, type Section } from "./report.js";
import { startServerProcess } from "./server-process.js";

const CONCURRENCY = 16;
const body = { model: "gpt-4", messages: [{ role: "user" as const, content: "Hello!" }] };

/**
 * Benchmark 4: completion() throughput against raw fetch and the openai package, the
 * JWT-checking proxy in another process. Every client carries a real token from the same
 * handler; raw fetch gets the header from `getAuthHeaders()` (the floor: no client at all).
 */
export async function completionThroughput(smoke: boolean): Promise<Section> {
  const servers = await startServerProcess();
  try {
    const handler = new ProxyAuthHandler({
      credential: new GenericOAuth2Credential({
        clientId: servers.clientId,
        clientSecret: servers.clientSecret,
        tokenUrl: servers.tokenUrl,
      }),
      scope: "litellm_proxy_api",
    });
    const client = createClient({ apiBase: servers.proxyUrl, proxyAuth: handler });
    const openai = new OpenAI({
      baseURL: servers.proxyUrl,
      apiKey: createApiKeyProvider(handler),
      maxRetries: 0,
    });
    const json = JSON.stringify(body);
    const candidates: [string, () => Promise<unknown>][] = [
      [
        "raw fetch + getAuthHeaders()",
        async () => {
          const response = await fetch(`${servers.proxyUrl}/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json", ...(await handler.getAuthHeaders()) },
            body: json,
          });
          if (!response.ok) throw new Error(`status ${response.status}`);
          return response.json();
        },
      ],
      [
        "raw fetch + getAuthHeaders(), JSON.stringify and a timeout per call",
        async () => {
          const response = await fetch(`${servers.proxyUrl}/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json", ...(await handler.getAuthHeaders()) },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(600_000),
          });
          if (!response.ok) throw new Error(`status ${response.status}`);
          return response.json();
        },
      ],
      ["proxy-auth completion()", () => client.completion(body)],
      ["openai chat.completions.create()", () => openai.chat.completions.create(body)],
    ];
    // Many short interleaved rounds: the server shares this machine, so moments of noise hit
    // every client alike; each client's best round estimates its ceiling.
    const requests = smoke ? 200 : 2000;
    const rounds = smoke ? 1 : 8;
    const best = new Map<string, number>();
    const cpu = new Map<string, number[]>();
    for (const [, call] of candidates) await run(call, 200); // warm-up: connections, JIT
    for (let round = 0; round < rounds; round++) {
      for (const [name, call] of candidates) {
        const { perSecond, cpuMicroseconds } = await run(call, requests);
        best.set(name, Math.max(best.get(name) ?? 0, perSecond));
        cpu.set(name, [...(cpu.get(name) ?? []), cpuMicroseconds]);
      }
    }
    const medianCpu = (name: string) => {
      const values = [...(cpu.get(name) ?? [])].sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)] ?? 0;
    };
    const raw = best.get("raw fetch + getAuthHeaders()") as number;
    const careful = best.get(
      "raw fetch + getAuthHeaders(), JSON.stringify and a timeout per call",
    ) as number;
    const ours = best.get("proxy-auth completion()") as number;
    const openaiRate = best.get("openai chat.completions.create()") as number;
    return {
      title: "4. completion() throughput",
      description: `${requests.toLocaleString("en")} chat completions per round; the first raw-fetch row sends a body serialised once and no timeout (the bare floor), ${CONCURRENCY} in flight, best of ${rounds} interleaved rounds; the JWT-checking proxy (RS256 verification of every request) runs in another process. Targets: at least 0.95× raw fetch, faster than the openai package.`,
      table: [
        ["client", "requests / s", "vs raw fetch", "client CPU per request (median)"],
        ...candidates.map(([name]) => {
          const value = best.get(name) as number;
          return [name, value.toFixed(0), ratio(value / raw), `${medianCpu(name).toFixed(0)} µs`];
        }),
      ],
      notes: [
        `completion() reaches ${ratio(ours / raw)} of raw fetch (target ≥ 0.95×): ${ours / raw >= 0.95 ? "met" : "NOT met"}.`,
        `completion() is ${ratio(ours / openaiRate)} the openai package (target > 1×): ${ours > openaiRate ? "met" : "NOT met"}.`,
        `Against raw fetch that also serialises the body and sets a timeout on each call (what completion() must do), completion() reaches ${ratio(ours / careful)}. Client CPU per request, the steadier measure on a machine the server shares: completion() ${medianCpu("proxy-auth completion()").toFixed(0)} µs against ${medianCpu("raw fetch + getAuthHeaders()").toFixed(0)} µs for bare raw fetch (${ratio(medianCpu("raw fetch + getAuthHeaders()") / Math.max(1, medianCpu("proxy-auth completion()")))}) and ${medianCpu("openai chat.completions.create()").toFixed(0)} µs for openai.`,
      ],
    };
  } finally {
    await servers.stop();
  }
}

/** Sends `total` calls with CONCURRENCY in flight: calls per second, and this process's CPU per call. */
async function run(
  call: () => Promise<unknown>,
  total: number,
): Promise<{ perSecond: number; cpuMicroseconds: number }> {
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        next++;
        await call();
      }
    }),
  );
  const perSecond = (total / (performance.now() - started)) * 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond, cpuMicroseconds: (cpu.user + cpu.system) / total };
}
