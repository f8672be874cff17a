import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type FleetGrantsSeries, fleetChart, fleetColors, renderSvg } from "@proxy-auth/charts";
import {
  DEFAULT_CLIENT,
  startIdentityProvider,
  startMockProxy,
  startRedisServer,
} from "@proxy-auth/testing";
import type { Section } from "./report.js";

const run = promisify(execFile);
const PROCESSES = 20;
const LIFETIME_SECONDS = 4;

interface FleetOutcome {
  grants: number;
  /** Token generations the fleet went through in the window (the most any process used). */
  rotations: number;
  requests: number;
  rejected: number;
  /** Cumulative grants sampled every 100 ms inside the measured window. */
  points: Array<[number, number]>;
}

const SAMPLE_MS = 100;

/**
 * Fleet: 20 processes, each with its own handler, under continuous load for several token
 * rotations against the real identity provider — once sharing one Redis
 * (@proxy-auth/cache-redis), once without. Target: 1 grant per rotation for the whole fleet
 * (without the cache: one per process), 0 requests rejected.
 */
export async function fleet(smoke: boolean): Promise<Section> {
  const idp = await startIdentityProvider({
    tokenLifetimeSeconds: LIFETIME_SECONDS,
    latencyMs: 100,
  });
  const proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
  });
  const redis = await startRedisServer();
  const durationMs = smoke ? 5_000 : 14_000;
  const member = fileURLToPath(new URL("./fleet-member.mjs", import.meta.url));
  const runFleet = async (shared: boolean): Promise<FleetOutcome> => {
    // Every process boots and gets its first token before the measured window opens.
    const startAt = Date.now() + 8_000;
    // Grants are counted inside the measured window only (processes finish their last request
    // after it closes, and may start one more refresh then).
    let grantsAtStart = 0;
    let grantsAtEnd: number | undefined;
    const points: Array<[number, number]> = [];
    let sampler: ReturnType<typeof setInterval> | undefined;
    const snapshots = [
      setTimeout(() => {
        grantsAtStart = idp.tokensIssued;
        points.push([0, 0]);
        sampler = setInterval(() => {
          const at = (Date.now() - startAt) / 1000;
          if (at <= durationMs / 1000) points.push([at, idp.tokensIssued - grantsAtStart]);
        }, SAMPLE_MS);
      }, startAt - Date.now()),
      setTimeout(
        () => {
          grantsAtEnd = idp.tokensIssued;
        },
        startAt + durationMs - Date.now(),
      ),
    ];
    const outputs = await Promise.all(
      Array.from({ length: PROCESSES }, () =>
        run(process.execPath, [member], {
          encoding: "utf8",
          timeout: durationMs + 60_000,
          env: {
            ...process.env,
            TOKEN_URL: idp.tokenUrl,
            CLIENT_ID: DEFAULT_CLIENT.clientId,
            CLIENT_SECRET: DEFAULT_CLIENT.clientSecret,
            PROXY_URL: proxy.url,
            DURATION_MS: String(durationMs),
            START_AT: String(startAt),
            ...(shared
              ? { REDIS_URL: redis.url, ENCRYPTION_KEY: "fleet-benchmark-encryption-key" }
              : {}),
          },
        }),
      ),
    );
    for (const snapshot of snapshots) clearTimeout(snapshot);
    clearInterval(sampler);
    const members = outputs.map(
      ({ stdout }) => JSON.parse(stdout) as { requests: number; rejected: number; tokens: number },
    );
    return {
      grants: (grantsAtEnd ?? idp.tokensIssued) - grantsAtStart,
      // Token generations the fleet went through in the window. The warm-up token has expired by
      // the time the window opens (8 s wait, 4 s tokens), so the first one is granted inside it too.
      rotations: Math.max(...members.map((result) => result.tokens)),
      requests: members.reduce((sum, result) => sum + result.requests, 0),
      rejected: members.reduce((sum, result) => sum + result.rejected, 0),
      points,
    };
  };
  try {
    const shared = await runFleet(true);
    const alone = await runFleet(false);
    const perRotation = (outcome: FleetOutcome) => outcome.grants / Math.max(1, outcome.rotations);
    const row = (name: string, outcome: FleetOutcome) => [
      name,
      String(PROCESSES),
      String(outcome.rotations),
      String(outcome.grants),
      perRotation(outcome).toFixed(2),
      String(outcome.requests),
      String(outcome.rejected),
    ];
    const lines: FleetGrantsSeries[] = [
      { label: `${PROCESSES} processes sharing Redis`, points: shared.points },
      { label: `${PROCESSES} processes, each on its own`, points: alone.points },
    ];
    const chart = fleetChart(
      lines,
      "A fleet's grants over time, with and without the shared cache",
      `${PROCESSES} processes, ${LIFETIME_SECONDS}-second tokens, one completion every 100 ms each, ${durationMs / 1000} s window`,
    );
    const svg = renderSvg(chart.option, chart);
    return {
      title: "7. A fleet sharing one Redis",
      description: `${PROCESSES} processes, each with its own handler, one completion every 100 ms each for ${durationMs / 1000} s, against the real identity provider (${LIFETIME_SECONDS}-second tokens) and the JWT-checking proxy; once sharing one redis-server through @proxy-auth/cache-redis, once without. Every process boots and gets a first token, which expires before the measured window opens; grants and rotations (token generations used) are counted inside the window. Targets: 1 grant per rotation for the whole fleet with the cache (without it: one per process), 0 rejected.`,
      table: [
        [
          "fleet",
          "processes",
          "rotations",
          "provider grants",
          "grants per rotation",
          "requests",
          "rejected",
        ],
        row("sharing Redis (@proxy-auth/cache-redis)", shared),
        row("each process on its own", alone),
      ],
      notes: [
        `The chart samples the identity provider's grant count every ${SAMPLE_MS} ms of the window.`,
        `With the shared cache: ${perRotation(shared).toFixed(2)} grants per rotation (target 1): ${perRotation(shared) <= 1 ? "met" : `NOT met: ${shared.grants - shared.rotations} grant(s) more than the rotations any process used in the window`}; without it: ${perRotation(alone).toFixed(2)} (one per process: ${PROCESSES}). Rejected: ${shared.rejected + alone.rejected} (target 0).`,
      ],
      charts: [
        {
          file: "fleet-grants.svg",
          alt: `Grants over time for ${PROCESSES} processes with and without the shared Redis cache`,
          svg,
          // Each line is one stroked path; its legend entry adds a stroked line and circle.
          expectedMarks: lines.map((line, index) => ({
            what: `strokes of "${line.label}"`,
            color: fleetColors[index] as string,
            count: 3,
            paint: "stroke" as const,
          })),
        },
      ],
    };
  } finally {
    await redis.stop();
    await proxy.close();
    await idp.close();
  }
}
