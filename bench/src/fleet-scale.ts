import { execFile } from "node:child_process";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type ChartOption, fleetColors, renderSvg } from "@proxy-auth/charts";
import { startRedisServer } from "@proxy-auth/testing";
import type { Section } from "./report.js";

const run = promisify(execFile);
const SAMPLE_MS = 100;
const LATENCY_MS = 300;

interface MemberResult {
  /** Commands the process's client sent, by 100 ms bin of the window. */
  sent: Record<string, number>;
  withoutToken: number;
  /** Per token: the first and last time one of the process's handlers switched to it. */
  switches: Record<string, [number, number]>;
  /** The tokens the process's credential granted inside the window. */
  granted: string[];
}

interface ScaleOutcome {
  handlers: number;
  processes: number;
  grants: number;
  rotations: number;
  /** Commands the clients sent (round trips: a script is one). */
  sent: number;
  peakSentPerSecond: number;
  /** Commands Redis ran (INFO commandstats: a script's own calls counted too). */
  commands: number;
  peakPerSecond: number;
  /** The longest first-to-last switch of one rotation, in ms. */
  switchSpreadMs: number;
  withoutToken: number;
  /** Commands sent per second per handler, by 100 ms of the window. */
  points: Array<[number, number]>;
}

/**
 * A one-connection INFO reader (the benchmark needs no Redis client of its own): each call sends
 * `INFO commandstats` and reads the bulk reply whole.
 */
class InfoReader {
  readonly #socket: Socket;
  #buffer = "";
  #waiting: (() => void) | undefined;

  constructor(port: number) {
    this.#socket = connect(port, "127.0.0.1");
    this.#socket.setEncoding("utf8");
    this.#socket.on("data", (chunk: string) => {
      this.#buffer += chunk;
      this.#waiting?.();
    });
  }

  /** Commands Redis has served so far, except this reader's INFO calls. */
  async commandsServed(): Promise<number> {
    if (this.#socket.connecting) await once(this.#socket, "connect");
    this.#buffer = "";
    this.#socket.write("INFO commandstats\r\n");
    for (;;) {
      const header = /^\$(\d+)\r\n/.exec(this.#buffer);
      if (header && this.#buffer.length >= header[0].length + Number(header[1]) + 2) break;
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
      });
    }
    let total = 0;
    for (const match of this.#buffer.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (match[1] !== "info") total += Number(match[2]);
    }
    return total;
  }

  close(): void {
    this.#socket.destroy();
  }
}

/**
 * The fleet at scale: N handlers (100, 1,000, 5,000) in a few processes, each process sharing one
 * ioredis client, against one real redis-server and an in-process credential answering in 300 ms.
 * Per N: grants per rotation, Redis commands per handler per rotation (INFO commandstats
 * deltas), the peak command rate (INFO sampled every 100 ms) and the time from the first to the
 * last handler switching to a new token. Targets: ≤ 1.5 commands per handler per rotation and a
 * peak ≤ 2 commands per handler per second.
 */
export async function fleetScale(smoke: boolean): Promise<Section> {
  const lifetimeMs = smoke ? 4_000 : 8_000;
  const durationMs = smoke ? 5_000 : 14_000;
  const sizes: Array<[number, number]> = smoke
    ? [[100, 2]]
    : [
        [100, 2],
        [1_000, 4],
        [5_000, 4],
      ];
  const member = fileURLToPath(new URL("./fleet-scale-member.mjs", import.meta.url));
  const outcomes: ScaleOutcome[] = [];
  for (const [handlers, processes] of sizes) {
    const redis = await startRedisServer();
    const sampler = new InfoReader(redis.port);
    try {
      // Processes boot and every handler gets its first token before the window opens; the
      // window opens after that first token's refresh window, so it holds whole rotations.
      const startAt = Date.now() + 2_000 + handlers;
      const samples: Array<[number, number]> = [];
      let sampling = true;
      const sampling$ = (async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
        while (sampling) {
          samples.push([Date.now(), await sampler.commandsServed()]);
          await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
        }
      })();
      const outputs = await Promise.all(
        Array.from({ length: processes }, () =>
          run(process.execPath, [member], {
            encoding: "utf8",
            timeout: durationMs + 120_000,
            maxBuffer: 16 * 1024 * 1024,
            env: {
              ...process.env,
              REDIS_URL: redis.url,
              HANDLERS: String(handlers / processes),
              LATENCY_MS: String(LATENCY_MS),
              LIFETIME_MS: String(lifetimeMs),
              DURATION_MS: String(durationMs),
              START_AT: String(startAt),
            },
          }),
        ),
      );
      sampling = false;
      await sampling$;
      const members = outputs.map(({ stdout }) => JSON.parse(stdout) as MemberResult);
      const inWindow = samples.filter(([at]) => at <= startAt + durationMs);
      const first = inWindow[0] ?? [startAt, 0];
      const last = inWindow.at(-1) ?? first;
      let peak = 0;
      for (let index = 1; index < inWindow.length; index++) {
        const [at, count] = inWindow[index] as [number, number];
        const [before, previous] = inWindow[index - 1] as [number, number];
        peak = Math.max(peak, ((count - previous) * 1000) / Math.max(1, at - before));
      }
      const bins = Array.from({ length: Math.ceil(durationMs / SAMPLE_MS) }, (_, bin) =>
        members.reduce((sum, result) => sum + (result.sent[bin] ?? 0), 0),
      );
      const points = bins.map((count, bin): [number, number] => [
        ((bin + 1) * SAMPLE_MS) / 1000,
        (count * 1000) / SAMPLE_MS / handlers,
      ]);
      // A token's switches merged over processes; a rotation is a token granted in the window
      // that handlers switched to.
      const byToken = new Map<string, [number, number]>();
      for (const result of members) {
        for (const [token, [from, to]] of Object.entries(result.switches)) {
          const seen = byToken.get(token);
          byToken.set(token, seen ? [Math.min(seen[0], from), Math.max(seen[1], to)] : [from, to]);
        }
      }
      const granted = members.flatMap((result) => result.granted);
      const rotations = granted
        .map((token) => byToken.get(token))
        .filter((range) => range !== undefined);
      outcomes.push({
        handlers,
        processes,
        grants: granted.length,
        rotations: rotations.length,
        sent: bins.reduce((sum, count) => sum + count, 0),
        peakSentPerSecond: (Math.max(...bins) * 1000) / SAMPLE_MS,
        commands: last[1] - first[1],
        peakPerSecond: peak,
        switchSpreadMs: Math.max(0, ...rotations.map(([from, to]) => to - from)),
        withoutToken: members.reduce((sum, result) => sum + result.withoutToken, 0),
        points,
      });
    } finally {
      sampler.close();
      await redis.stop();
    }
  }
  const perRotation = (outcome: ScaleOutcome, count: number) =>
    count / outcome.handlers / Math.max(1, outcome.rotations);
  const chartOption = {
    title: {
      text: "Redis commands sent per handler per second, through token rotations",
      subtext: `${LATENCY_MS} ms credential, ${lifetimeMs / 1000}-second tokens, counted by 100 ms (target: at most 2)`,
      left: 10,
      top: 6,
    },
    legend: { top: 64, left: 90 },
    grid: { left: 90, right: 30, top: 110, bottom: 60 },
    xAxis: {
      type: "value",
      name: "time in the measured window (s)",
      nameLocation: "middle",
      nameGap: 30,
    },
    yAxis: {
      type: "value",
      name: "commands / handler / s",
      nameLocation: "middle",
      nameGap: 50,
    },
    series: outcomes.map((outcome, index) => ({
      name: `${outcome.handlers.toLocaleString("en-US")} handlers`,
      type: "line",
      showSymbol: false,
      lineStyle: { width: 2, color: fleetColors[index % fleetColors.length] },
      itemStyle: { color: fleetColors[index % fleetColors.length] },
      data: outcome.points,
    })),
  } as ChartOption;
  const svg = renderSvg(chartOption, { width: 900, height: 420 });
  return {
    title: "13. The fleet at internet scale: one Redis for thousands of handlers",
    description: `N handlers in a few processes (each process shares one ioredis client among its handlers) against one real redis-server and an in-process credential answering in ${LATENCY_MS} ms with ${lifetimeMs / 1000}-second tokens; every handler asks for its headers every 100 ms for ${durationMs / 1000} s after all have their first token. Commands sent are counted in each process's client by ${SAMPLE_MS} ms; Redis calls are INFO commandstats deltas over the window (the sampler's INFO calls excluded), their peak the highest rate between two samples ${SAMPLE_MS} ms apart. Targets: at most 1.5 commands per handler per rotation and a peak of at most 2 commands per handler per second, at every N; about 1 grant per rotation; no call without a token.`,
    table: [
      [
        "handlers",
        "processes",
        "rotations",
        "grants / rotation",
        "commands sent / handler / rotation",
        "peak sent / handler / s",
        "Redis calls / handler / rotation",
        "peak Redis calls / handler / s",
        "first → last switch",
        "calls without a token",
      ],
      ...outcomes.map((outcome) => [
        outcome.handlers.toLocaleString("en-US"),
        String(outcome.processes),
        String(outcome.rotations),
        `${(outcome.grants / Math.max(1, outcome.rotations)).toFixed(2)} (${outcome.grants})`,
        perRotation(outcome, outcome.sent).toFixed(2),
        (outcome.peakSentPerSecond / outcome.handlers).toFixed(2),
        perRotation(outcome, outcome.commands).toFixed(2),
        (outcome.peakPerSecond / outcome.handlers).toFixed(2),
        `${Math.round(outcome.switchSpreadMs)} ms`,
        String(outcome.withoutToken),
      ]),
    ],
    notes: [
      `"Commands sent" are what the processes' clients sent (round trips; a Lua script is one), counted by 100 ms; the targets apply to them. "Redis calls" are INFO commandstats deltas, which also count the calls a script makes inside Redis (the one-round-trip attempt script runs two: a read and a PTTL or a SET NX), so they are about twice the commands sent.`,
      ...outcomes.map((outcome) => {
        const sent = perRotation(outcome, outcome.sent);
        const peak = outcome.peakSentPerSecond / outcome.handlers;
        return `${outcome.handlers.toLocaleString("en-US")} handlers: ${sent.toFixed(2)} commands sent per handler per rotation (target ≤ 1.5: ${sent <= 1.5 ? "met" : "NOT met"}), peak ${peak.toFixed(2)} per handler per second (target ≤ 2: ${peak <= 2 ? "met" : "NOT met"}).`;
      }),
    ],
    charts: [
      {
        file: "fleet-scale-commands.svg",
        alt: "Redis commands per handler per second over the measured window, for each fleet size",
        svg,
        expectedMarks: outcomes.map((outcome, index) => ({
          what: `strokes of "${outcome.handlers} handlers"`,
          color: fleetColors[index % fleetColors.length] as string,
          count: 3,
          paint: "stroke" as const,
        })),
      },
    ],
  };
}
