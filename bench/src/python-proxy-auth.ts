import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { TimelineRun } from "@proxy-auth/charts";
import { ProxyAuthHandler, type TokenCredential } from "@proxy-auth/core";
import { startBackendStub } from "@proxy-auth/litellm-interop-test/backend-stub";
import { MODELS, startLitellmProxy } from "@proxy-auth/litellm-interop-test/litellm-proxy";
import {
  driverScript,
  ensureVenv,
  findPython,
  litellmVersion,
  venvPython,
} from "@proxy-auth/litellm-interop-test/python-env";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import { do_not_optimize, measure } from "mitata";
import { lifecycleSection } from "./lifecycle-timeline.js";
import {
  type RemoteIdentityProvider,
  startRemoteIdentityProvider,
} from "./remote-identity-provider.js";
import type { Section } from "./report.js";

const LIFETIME_SECONDS = 64; // just above Python's fixed 60 s refresh window
const LATENCY_MS = 400;
const COLD_CALLERS = 50;
const LOAD_CALLERS = 20;
/** The failure scenario: the provider fails from here (after ours enters its refresh window at 32 s). */
const FAULT_AT_S = 30;
const FAULT_503_S = 5;
const FAULT_HANG_S = 5;
const OBSERVE_S = 58; // the token of the warm-up expires at 64 s

/** One request of a load run. */
interface RequestRecord {
  at: number;
  waitMs: number;
  status: number;
}
/** One token request's end (ok: a token came back, with its expiry in Unix seconds). */
interface TokenRecord {
  at: number;
  ok: boolean;
  expiresOn?: number;
  /** Ours: when the handler will refresh it (Unix seconds), from its own log line. */
  refreshAt?: number;
}
interface RunResult {
  requests: RequestRecord[];
  tokens: TokenRecord[];
  warnings: number;
}

/**
 * Side by side with LiteLLM's Python `litellm.proxy_auth` (ProxyAuthHandler +
 * GenericOAuth2Credential, from the pinned release of tests/litellm-interop), against the same
 * identity provider (another process, 400 ms per token) and the same real LiteLLM proxy: a cold
 * start, rotation under load, the provider failing during a refresh, and the cost per call.
 */
export async function pythonProxyAuth(smoke: boolean): Promise<Section> {
  const title = "10. Side by side with LiteLLM's Python proxy_auth";
  const found = findPython();
  if ("reason" in found) {
    return {
      title,
      description:
        "Needs Python 3.10+ with venv (the pinned environment of tests/litellm-interop).",
      table: [],
      notes: [`Not measured: ${found.reason}.`],
    };
  }
  ensureVenv(found);
  const version = litellmVersion();
  const idp = await startRemoteIdentityProvider({
    TOKEN_LIFETIME_SECONDS: String(LIFETIME_SECONDS),
    IDP_LATENCY_MS: String(LATENCY_MS),
  });
  const stub = await startBackendStub();
  const proxy = await startLitellmProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
    backendApiBase: stub.apiBase,
  }).catch(async (error) => {
    await stub.close();
    await idp.stop();
    throw error;
  });
  const settings = {
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    tokenUrl: idp.tokenUrl,
    scope: "litellm_proxy_api",
    proxyUrl: proxy.url,
    model: MODELS.mock,
  };
  const python = (scenario: object, onWarm?: () => void) =>
    runPython({ ...settings, ...scenario }, onWarm);
  try {
    // Cold start: token requests made by 50 callers at once.
    const coldOurs = await counted(idp, () => oursCold(idp, proxy.url));
    const coldThreads = await counted(idp, () =>
      python({ scenario: "cold", callers: COLD_CALLERS }),
    );
    const coldAsyncio = await counted(idp, () =>
      python({ scenario: "cold", callers: COLD_CALLERS, mode: "asyncio" }),
    );

    // Rotation under load: long enough for ours to refresh once (at half the lifetime).
    const seconds = smoke ? 3 : 36;
    const rotationOurs = await counted(idp, () => oursLoad(idp, proxy.url, seconds));
    const rotationPython = await counted(idp, () =>
      python({ scenario: "load", callers: LOAD_CALLERS, seconds }),
    );

    // The provider failing during a refresh: 503, then a hang, then well again.
    let failureOurs: Failure | undefined;
    let failurePython: Failure | undefined;
    if (!smoke) {
      failureOurs = await failure(idp, (onWarm) => oursLoad(idp, proxy.url, OBSERVE_S, onWarm));
      failurePython = await failure(idp, (onWarm) =>
        python({ scenario: "load", callers: LOAD_CALLERS, seconds: OBSERVE_S }, onWarm),
      );
    }

    // The auth layer's cost per call, warm.
    const costOurs = await oursCost(idp, smoke);
    const costPython = (await python({ scenario: "cost", iterations: smoke ? 10_000 : 200_000 }))
      .result as unknown as { nsPerCall: number };

    const waits = (run: RunResult) => {
      const sorted = run.requests.map((r) => r.waitMs).sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
      return `${ms(at(0.5))} / ${ms(at(0.99))} / ${ms(sorted.at(-1))}`;
    };
    const blocked = (run: RunResult) => run.requests.filter((r) => r.waitMs >= 200).length;
    const rejected = (run: RunResult) =>
      run.requests.filter((r) => r.status === 401 || r.status === 403).length;
    const failed = (run: RunResult) => run.requests.filter((r) => r.status !== 200).length;
    const row = (what: string, ours: string, theirs: string) => [what, ours, theirs];
    const table = [
      ["scenario", "proxy-auth (Node)", `litellm ${version} proxy_auth (Python)`],
      row(
        `cold start, ${COLD_CALLERS} concurrent callers: token requests`,
        `${coldOurs.requests} (promises)`,
        `${coldThreads.requests} (threads); ${coldAsyncio.requests} (asyncio tasks)`,
      ),
      row(
        `rotation, ${LOAD_CALLERS} callers for ${seconds} s: token requests (the first included)`,
        String(rotationOurs.requests),
        String(rotationPython.requests),
      ),
      row(
        "rotation: header wait p50 / p99 / max",
        waits(rotationOurs.run),
        waits(rotationPython.run),
      ),
      row(
        `rotation: callers blocked ≥ 200 ms on the provider`,
        String(blocked(rotationOurs.run)),
        String(blocked(rotationPython.run)),
      ),
      row(
        "rotation: requests / rejected",
        `${rotationOurs.run.requests.length} / ${rejected(rotationOurs.run)}`,
        `${rotationPython.run.requests.length} / ${rejected(rotationPython.run)}`,
      ),
    ];
    if (failureOurs !== undefined && failurePython !== undefined) {
      const f = (name: string, pick: (failure: Failure) => string) =>
        table.push(row(name, pick(failureOurs), pick(failurePython)));
      f("provider failing (503, then hang): requests rejected", (x) => String(rejected(x.run)));
      f("provider failing: requests failed (any error)", (x) => String(failed(x.run)));
      f("provider failing: warnings logged", (x) => String(x.run.warnings));
      f("provider failing: token requests while it failed", (x) => String(x.requestsWhileFailing));
      f("provider failing: time to recover (new token after it is well)", (x) =>
        x.recoverMs === undefined ? "not within the run" : ms(x.recoverMs),
      );
      f("provider failing: header wait p50 / p99 / max", (x) => waits(x.run));
    }
    table.push(
      row(
        "auth layer per call, warm",
        `${costOurs.toFixed(0)} ns (await getAuthHeaders())`,
        `${costPython.nsPerCall.toFixed(0)} ns (get_auth_headers())`,
      ),
    );
    return {
      title,
      description: `LiteLLM's own \`litellm.proxy_auth = ProxyAuthHandler(credential=GenericOAuth2Credential(...), scope=...)\` from litellm ${version} (the pinned venv of tests/litellm-interop), driven by tests/litellm-interop/python/proxy_auth_driver.py, and proxy-auth's ProxyAuthHandler + GenericOAuth2Credential in this process, in the same run, against the same identity provider (another process, ${LATENCY_MS} ms per token request, ${LIFETIME_SECONDS}-second tokens: just above Python's fixed 60-second refresh window, so it can keep a token at all) and the same real LiteLLM proxy (custom_auth hook verifying every JWT). Python sends each request through \`litellm.completion(model="litellm_proxy/…")\` (its only way to use proxy_auth); ours calls \`getAuthHeaders()\` and posts to the proxy. A header wait is the time a caller spends getting its Authorization header (Python: inside get_auth_headers(), GIL included; ours: the awaited call, event-loop queue included). Failure run: the provider answers 503 from ${FAULT_AT_S} s for ${FAULT_503_S} s, then hangs for ${FAULT_HANG_S} s, then is well; the run goes on to ${OBSERVE_S} s.`,
      table,
      notes: [
        `Cold start: Python's handler has no lock, so every thread that finds no token asks the provider (${coldThreads.requests} requests for ${COLD_CALLERS} threads); with asyncio, acompletion runs the blocking get_auth_headers() in worker threads and still made ${coldAsyncio.requests}. Ours: single flight, ${coldOurs.requests}.`,
        `Rotation: Python refreshes synchronously once a token has 60 s or less left, so with ${LIFETIME_SECONDS}-second tokens it refreshes every ~${LIFETIME_SECONDS - 60} s, and every thread arriving during a refresh fetches its own token and waits the provider's ${LATENCY_MS} ms. Ours refreshes at half the lifetime, in the background: nobody waits for it. With tokens of 60 s or less Python asks the provider on every call.`,
        ...(failureOurs === undefined
          ? ["The failure scenario is not run in a smoke run."]
          : [
              "Provider failing: Python's handler drops nothing, but inside its 60-second window it retries the provider on every call and, on failure, sends the request without a header (litellm logs a warning each time), so the proxy rejects it although the cached token is still valid. Ours keeps serving the valid token and retries in the background with backoff; it recovers at its next scheduled attempt, which can come later than Python's next call.",
            ]),
        `Cost per call: Python's get_auth_headers() is a plain synchronous call; ours is an awaited promise. Figures from one run on a shared 2-core machine${smoke ? " (smoke run: not published)" : ""}.`,
        "The chart draws the rotation runs: each token from its grant to its expiry with the window in which the handler refreshes it (ours: the time its own log line gives; Python: its fixed 60 s before expiry), and each request at its wait for the header.",
      ],
      charts: [
        lifecycleSection(
          [
            timeline("proxy-auth ProxyAuthHandler (refresh ahead)", rotationOurs.run),
            timeline(`LiteLLM's Python proxy_auth (litellm ${version})`, rotationPython.run, 60),
          ],
          `${LIFETIME_SECONDS}-second tokens, the identity provider answers in ${LATENCY_MS} ms, ${LOAD_CALLERS} callers for ${seconds} s, the same real LiteLLM proxy`,
          "token-lifecycle-vs-python.svg",
          "Token lifecycle: proxy-auth and LiteLLM's Python proxy_auth",
        ),
      ],
    };
  } finally {
    await proxy.stop();
    await stub.close();
    await idp.stop();
  }
}

/**
 * A load run as the lifecycle chart draws it, from its own start. `fixedWindowSeconds`: a
 * handler that refreshes that long before expiry (Python's 60 s); otherwise the refresh time each
 * token's record carries (ours, from the handler's log).
 */
function timeline(label: string, run: RunResult, fixedWindowSeconds?: number): TimelineRun {
  const granted = run.tokens.filter((token) => token.ok && token.expiresOn !== undefined);
  const start = [...granted.map((token) => token.at), ...run.requests.map((r) => r.at)].reduce(
    (earliest, at) => Math.min(earliest, at),
    Number.POSITIVE_INFINITY,
  );
  const seconds = (epochMs: number) => (epochMs - start) / 1000;
  return {
    label,
    grants: granted.map((token) => seconds(token.at)),
    tokens: granted.map((token) => {
      const expiresOn = token.expiresOn as number;
      const refreshAt =
        fixedWindowSeconds === undefined
          ? (token.refreshAt ?? expiresOn)
          : expiresOn - fixedWindowSeconds;
      return {
        obtainedAt: seconds(token.at),
        refreshAt: seconds(refreshAt * 1000),
        expiresAt: seconds(expiresOn * 1000),
      };
    }),
    requests: run.requests.map((request) => ({ at: seconds(request.at), waitMs: request.waitMs })),
  };
}

/** The token requests the provider received while `work` ran, with its result. */
async function counted(
  idp: RemoteIdentityProvider,
  work: () => Promise<RunResult | { result: unknown }>,
): Promise<{ requests: number; run: RunResult }> {
  const before = await idp.counts();
  const outcome = await work();
  const after = await idp.counts();
  const run = "result" in outcome ? (outcome.result as RunResult) : outcome;
  return { requests: after.requests - before.requests, run };
}

interface Failure {
  run: RunResult;
  requestsWhileFailing: number;
  recoverMs: number | undefined;
}

/** Runs `load`, failing the provider on schedule from the moment the load is warm. */
async function failure(
  idp: RemoteIdentityProvider,
  load: (onWarm: () => void) => Promise<RunResult | { result: unknown }>,
): Promise<Failure> {
  let schedule: Promise<{ requestsWhileFailing: number; wellAt: number }> | undefined;
  const onWarm = () => {
    schedule = (async () => {
      await sleep(FAULT_AT_S * 1000);
      const start = await idp.setFault({ kind: "status", status: 503 });
      await sleep(FAULT_503_S * 1000);
      await idp.setFault({ kind: "hang" });
      await sleep(FAULT_HANG_S * 1000);
      const end = await idp.setFault(undefined);
      return { requestsWhileFailing: end.requests - start.requests, wellAt: Date.now() };
    })();
  };
  const outcome = await load(onWarm);
  if (schedule === undefined) throw new Error("the load never became warm");
  const { requestsWhileFailing, wellAt } = await schedule;
  const run = "result" in outcome ? (outcome.result as RunResult) : outcome;
  const recovered = run.tokens.find((token) => token.ok && token.at >= wellAt);
  return {
    run,
    requestsWhileFailing,
    recoverMs: recovered === undefined ? undefined : recovered.at - wellAt,
  };
}

/** Our handler on a logged credential, warnings counted. */
function ourHandler(idp: RemoteIdentityProvider) {
  const inner = new GenericOAuth2Credential({
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    tokenUrl: idp.tokenUrl,
  });
  const tokens: TokenRecord[] = [];
  const credential: TokenCredential = {
    getToken: async (scope, options) => {
      try {
        const token = await inner.getToken(scope, options);
        tokens.push({ at: Date.now(), ok: true, expiresOn: token.expiresOn });
        return token;
      } catch (error) {
        tokens.push({ at: Date.now(), ok: false });
        throw error;
      }
    },
  };
  const log = { warnings: 0 };
  const handler = new ProxyAuthHandler({
    credential,
    scope: "litellm_proxy_api",
    logger: {
      warn: () => {
        log.warnings++;
      },
      // The refresh time the handler decided for the token just taken, for the timeline.
      debug: (message, meta) => {
        const last = tokens.at(-1);
        if ((message === "Token fetched" || message === "Token refreshed") && last?.ok)
          last.refreshAt = meta?.refreshAt as number;
      },
    },
  });
  return { handler, tokens, log };
}

async function request(proxyUrl: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${proxyUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: MODELS.mock, messages: [{ role: "user", content: "Hello!" }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function oneRequest(
  handler: ProxyAuthHandler,
  proxyUrl: string,
  requests: RequestRecord[],
): Promise<void> {
  const at = Date.now();
  const started = performance.now();
  const headers = await handler.getAuthHeaders();
  const waitMs = performance.now() - started;
  const status = await request(proxyUrl, headers).catch(() => -1);
  requests.push({ at, waitMs, status });
}

async function oursCold(idp: RemoteIdentityProvider, proxyUrl: string): Promise<RunResult> {
  const { handler, tokens, log } = ourHandler(idp);
  const requests: RequestRecord[] = [];
  await Promise.all(
    Array.from({ length: COLD_CALLERS }, () => oneRequest(handler, proxyUrl, requests)),
  );
  return { requests, tokens, warnings: log.warnings };
}

async function oursLoad(
  idp: RemoteIdentityProvider,
  proxyUrl: string,
  seconds: number,
  onWarm?: () => void,
): Promise<RunResult> {
  const { handler, tokens, log } = ourHandler(idp);
  await request(proxyUrl, await handler.getAuthHeaders()); // warm: the first token
  onWarm?.();
  const requests: RequestRecord[] = [];
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: LOAD_CALLERS }, async () => {
      while (Date.now() < until) await oneRequest(handler, proxyUrl, requests);
    }),
  );
  return { requests, tokens, warnings: log.warnings };
}

async function oursCost(idp: RemoteIdentityProvider, smoke: boolean): Promise<number> {
  const { handler } = ourHandler(idp);
  await handler.getAuthHeaders();
  const options = smoke ? { min_cpu_time: 5e6, max_samples: 200 } : { min_cpu_time: 1e9 };
  const stats = await measure(async () => do_not_optimize(await handler.getAuthHeaders()), options);
  return stats.p50;
}

/** Runs one scenario of the Python driver; `onWarm` is called when it reports it is warm. */
async function runPython(
  scenario: object,
  onWarm?: () => void,
): Promise<{ result: Record<string, unknown> }> {
  const child = spawn(venvPython, [driverScript, JSON.stringify(scenario)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4000);
  });
  let result: Record<string, unknown> | undefined;
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    // litellm prints banners of its own: only the driver's JSON lines count.
    if (!line.startsWith('{"event"')) return;
    const message = JSON.parse(line) as { event: string } & Record<string, unknown>;
    if (message.event === "warm") onWarm?.();
    if (message.event === "result") result = message;
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0 || result === undefined) {
    throw new Error(`the Python driver failed (${code}):\n${stderr}`);
  }
  return { result };
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const ms = (value: number | undefined) => (value === undefined ? "–" : `${value.toFixed(1)} ms`);
