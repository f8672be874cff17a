import { writeFileSync } from "node:fs";
import { lifecycleChart, renderSvg, type TimelineRun } from "@proxy-auth/charts";

/**
 * Records the demo's own token lifecycle — every token the handlers took (with the refresh
 * time the handler decided), every grant, every request's wait for its header — and draws it
 * as the same timeline `pnpm bench` draws (`--timeline FILE.svg`).
 */
export class TimelineRecorder {
  readonly #started = performance.now();
  readonly run: TimelineRun = {
    label: "this run's handlers",
    tokens: [],
    grants: [],
    requests: [],
  };

  /** Seconds since the recording began. */
  elapsed(at = performance.now()): number {
    return (at - this.#started) / 1000;
  }

  /** A token the handler took from the identity provider (Unix seconds, as the handler logs them). */
  took(expiresOn: number, refreshAt: number): void {
    const at = this.elapsed();
    const toRun = (unixSeconds: number) => at + unixSeconds - Date.now() / 1000;
    this.run.grants.push(at);
    this.run.tokens.push({
      obtainedAt: at,
      refreshAt: toRun(refreshAt),
      expiresAt: toRun(expiresOn),
    });
  }

  /** A caller that asked for its header at `askedAt` (performance.now()) and waited `waitMs`. */
  request(askedAt: number, waitMs: number): void {
    this.run.requests.push({ at: this.elapsed(askedAt), waitMs });
  }

  /** Draws the timeline to an SVG file. */
  write(file: string, subtitle: string): void {
    const { option, width, height } = lifecycleChart(
      [this.run],
      "Token lifecycle of this demo run",
      subtitle,
    );
    writeFileSync(file, renderSvg(option, { width, height }));
  }
}
