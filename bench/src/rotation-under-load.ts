import { getBearerTokenProvider } from "@azure/identity";
import type { TimelineRun } from "@proxy-auth/charts";
import { ProxyAuthHandler, type TokenCredential } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import { BlockingHandler } from "./blocking-handler.js";
import { lifecycleSection } from "./lifecycle-timeline.js";
import type { Section } from "./report.js";
import { startServerProcess } from "./server-process.js";

const LIFETIME_SECONDS = 4;
const LATENCY_MS = 400;
const CALLERS = 50;

interface Outcome {
  providerCalls: number;
  rotations: number;
  requests: number;
  rejected: number;
  longestWarmWaitMs: number;
  p99WaitMs: number;
  /** Header waits of 200 ms or more: only a caller blocked on the 400 ms provider waits that long. */
  blocked: number;
  /** What the lifecycle chart draws. */
  timeline: TimelineRun;
}

/** A credential that counts its calls and records each token it hands out on a timeline. */
type Recorded = TokenCredential & {
  calls: number;
  timeline: TimelineRun;
  startedAt: number;
  elapsed(): number;
  took(expiresOn: number, refreshAt: number): void;
};

/**
 * Benchmark 3: rotation under load. The real identity provider answers in 400 ms and issues
 * 4-second tokens; 50 callers send requests to the JWT-checking proxy without pause for at least
 * ten rotations. Counted: provider calls per rotation, the longest any caller waited for its
 * header once warm, and the requests the proxy rejected. The same for Azure's token cycler.
 */
export async function rotationUnderLoad(smoke: boolean): Promise<Section> {
  const servers = await startServerProcess({
    TOKEN_LIFETIME_SECONDS: String(LIFETIME_SECONDS),
    IDP_LATENCY_MS: String(LATENCY_MS),
  });
  try {
    const seconds = smoke ? 5 : 26;
    const counted = (label: string): Recorded => {
      const inner = new GenericOAuth2Credential({
        clientId: servers.clientId,
        clientSecret: servers.clientSecret,
        tokenUrl: servers.tokenUrl,
      });
      const credential: Recorded = {
        calls: 0,
        startedAt: performance.now(),
        timeline: { label, tokens: [], grants: [], requests: [] },
        getToken: async (scope: string) => {
          credential.calls++;
          const token = await inner.getToken(scope);
          credential.timeline.grants.push(credential.elapsed());
          return token;
        },
        elapsed: () => (performance.now() - credential.startedAt) / 1000,
        // Records a token the handler took, with the refresh time the handler itself decided.
        took: (expiresOn: number, refreshAt: number) => {
          const at = credential.elapsed();
          const toRun = (unixSeconds: number) => at + unixSeconds - Date.now() / 1000;
          credential.timeline.tokens.push({
            obtainedAt: at,
            refreshAt: toRun(refreshAt),
            expiresAt: toRun(expiresOn),
          });
        },
      };
      return credential;
    };

    const ours = counted("proxy-auth ProxyAuthHandler (refresh ahead)");
    const handler = new ProxyAuthHandler({
      credential: ours,
      scope: "litellm_proxy_api",
      logger: {
        warn: (message) => console.warn(message),
        debug: (message, meta) => {
          if (message === "Token fetched" || message === "Token refreshed")
            ours.took(meta?.expiresOn as number, meta?.refreshAt as number);
        },
      },
    });
    const oursOutcome = await load(
      servers.proxyUrl,
      seconds,
      async () => (await handler.getAuthHeaders()).Authorization,
      ours,
    );

    const blocking = counted("a blocking handler (refresh on the caller's path)");
    const blockingHandler = new BlockingHandler(blocking, "litellm_proxy_api", (token, refreshAt) =>
      blocking.took(token.expiresOn, refreshAt / 1000),
    );
    const blockingOutcome = await load(
      servers.proxyUrl,
      seconds,
      async () => (await blockingHandler.getAuthHeaders()).Authorization,
      blocking,
    );

    const theirs = counted("@azure/identity getBearerTokenProvider");
    const azureProvider = getBearerTokenProvider(
      {
        getToken: async (scopes) => {
          const token = await theirs.getToken(String(scopes));
          return { token: token.token, expiresOnTimestamp: token.expiresOn * 1000 };
        },
      },
      "litellm_proxy_api",
    );
    const azureOutcome = await load(
      servers.proxyUrl,
      seconds,
      async () => `Bearer ${await azureProvider()}`,
      theirs,
    );

    const row = (name: string, outcome: Outcome) => [
      name,
      String(outcome.rotations),
      String(outcome.providerCalls),
      (outcome.providerCalls / Math.max(1, outcome.rotations)).toFixed(2),
      `${outcome.p99WaitMs.toFixed(2)} ms`,
      `${outcome.longestWarmWaitMs.toFixed(2)} ms`,
      String(outcome.blocked),
      String(outcome.requests),
      String(outcome.rejected),
    ];
    const perRotation = oursOutcome.providerCalls / Math.max(1, oursOutcome.rotations);
    return {
      title: "3. Rotation under load",
      description: `The real identity provider (oidc-provider, another process) answers in ${LATENCY_MS} ms and issues ${LIFETIME_SECONDS}-second tokens; ${CALLERS} callers send completions to the JWT-checking proxy without pause for ${seconds} s. Targets: 1 provider call per rotation, longest warm wait for the header < 5 ms (a caller blocked on the provider waits ≥ ${LATENCY_MS} ms), 0 rejected.`,
      table: [
        [
          "implementation",
          "rotations",
          "provider calls",
          "calls / rotation",
          "p99 header wait",
          "longest header wait",
          "waits ≥ 200 ms",
          "requests",
          "rejected",
        ],
        row("proxy-auth ProxyAuthHandler", oursOutcome),
        row("@azure/identity getBearerTokenProvider", azureOutcome),
        row("a blocking handler (chart only)", blockingOutcome),
      ],
      notes: [
        `proxy-auth: ${perRotation.toFixed(2)} provider calls per rotation (target 1): ${perRotation <= 1.05 ? "met" : "NOT met"}; longest warm wait ${oursOutcome.longestWarmWaitMs.toFixed(2)} ms (target < 5 ms): ${oursOutcome.longestWarmWaitMs < 5 ? "met" : "NOT met"}, of which none on the provider: ${oursOutcome.blocked} waits ≥ 200 ms; ${oursOutcome.rejected} rejected (target 0): ${oursOutcome.rejected === 0 ? "met" : "NOT met"}; ${oursOutcome.rotations} rotations (at least 10 wanted${smoke ? ", smoke run" : ""}).`,
        "A header wait is measured from the call to the continuation of the awaiting caller, so it includes the event loop's queue under this load (50 callers, requests and JSON in flight): the longest wait of any cached path here. Waits of 200 ms or more can only be callers blocked on the provider.",
        `Azure's cycler refreshes inside a fixed 2-minute window, so with ${LIFETIME_SECONDS}-second tokens it asks the provider ${(azureOutcome.providerCalls / Math.max(1, oursOutcome.providerCalls)).toFixed(1)}× as often in the same time (${azureOutcome.providerCalls} calls against ${oursOutcome.providerCalls}): every token it gets is already inside its window.`,
        "The blocking handler is drawn beside proxy-auth in the chart: the same refresh point and single flight, but the refresh runs on the callers' path, as in LiteLLM's Python `proxy_auth`.",
      ],
      charts: [
        lifecycleSection(
          [oursOutcome.timeline, blockingOutcome.timeline],
          `${LIFETIME_SECONDS}-second tokens, the identity provider answers in ${LATENCY_MS} ms, ${CALLERS} callers for ${seconds} s`,
        ),
      ],
    };
  } finally {
    await servers.stop();
  }
}

async function load(
  proxyUrl: string,
  seconds: number,
  authorization: () => Promise<string | undefined>,
  credential: Recorded,
): Promise<Outcome> {
  const body = JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] });
  credential.startedAt = performance.now();
  await authorization(); // warm: the first token
  const callsAtStart = credential.calls;
  const tokens = new Set<string>();
  let requests = 0;
  let rejected = 0;
  const waits: number[] = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const header = await authorization();
        const wait = performance.now() - started;
        waits.push(wait);
        credential.timeline.requests.push({
          at: (started - credential.startedAt) / 1000,
          waitMs: wait,
        });
        if (header !== undefined) tokens.add(header);
        const response = await fetch(`${proxyUrl}/chat/completions`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(header === undefined ? {} : { authorization: header }),
          },
          body,
        });
        await response.arrayBuffer();
        requests++;
        if (response.status === 401 || response.status === 403) rejected++;
      }
    }),
  );
  // A refresh the load started may still be running: let it finish before the servers stop.
  await authorization().catch(() => undefined);
  waits.sort((a, b) => a - b);
  return {
    providerCalls: credential.calls - callsAtStart,
    // Rotations: tokens that replaced the first one during the run.
    rotations: Math.max(0, tokens.size - 1),
    requests,
    rejected,
    longestWarmWaitMs: waits.at(-1) ?? 0,
    p99WaitMs: waits[Math.floor(waits.length * 0.99)] ?? 0,
    blocked: waits.filter((wait) => wait >= 200).length,
    timeline: credential.timeline,
  };
}
