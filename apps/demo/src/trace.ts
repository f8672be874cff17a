import type { Logger } from "@proxy-auth/core";
import type { TimelineRecorder } from "./timeline-recorder.js";

const started = performance.now();
const clock = () => `${((performance.now() - started) / 1000).toFixed(2).padStart(6)}s`;

/** What the demo prints, and what it counts for the closing summary. Never a token. */
export class Trace {
  fetched = 0;
  refreshed = 0;
  warnings = 0;
  requests = 0;
  failures: string[] = [];
  /** Set by `--timeline FILE.svg`: what the closing chart draws. */
  timeline: TimelineRecorder | undefined;

  step(title: string): void {
    console.log(`\n── ${title}`);
  }

  note(message: string): void {
    console.log(`${clock()}  ${message}`);
  }

  request(what: string, outcome: string): void {
    this.requests++;
    this.note(`${what} → ${outcome}`);
  }

  /** Records a step that did not behave as it should; the demo then exits non-zero. */
  fail(message: string): void {
    this.failures.push(message);
    this.note(`UNEXPECTED: ${message}`);
  }

  /** The handler's logger: token events with their expiry and timing (the handler never logs tokens). */
  readonly logger: Logger = {
    debug: (message, meta) => {
      if (message === "Token fetched" || message === "Token refreshed") {
        if (message === "Token fetched") this.fetched++;
        else this.refreshed++;
        this.timeline?.took(meta?.expiresOn as number, meta?.refreshAt as number);
        const expires =
          typeof meta?.expiresOn === "number"
            ? new Date(meta.expiresOn * 1000).toISOString().slice(11, 19)
            : "?";
        this.note(
          `identity provider: ${message.toLowerCase()} for "${meta?.scope}" in ${meta?.durationMs} ms, expires ${expires} UTC`,
        );
      }
    },
    warn: (message) => {
      this.warnings++;
      this.note(`warning: ${message}`);
    },
    error: (message) => this.note(`error: ${message}`),
  };
}
