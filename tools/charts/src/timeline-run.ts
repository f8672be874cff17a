/** One token as a timeline shows it. Times in seconds from the start of the run. */
export interface TimelineToken {
  /** When the handler received it. */
  obtainedAt: number;
  /** Where its refresh window begins: from here on a refresh is due. */
  refreshAt: number;
  /** Its expiry. */
  expiresAt: number;
}

/** One request as a timeline shows it. */
export interface TimelineRequest {
  /** When the caller asked for its header, in seconds from the start of the run. */
  at: number;
  /** How long the caller waited for the header, in milliseconds. */
  waitMs: number;
}

/**
 * What happened to tokens and requests during one measured run: the input of
 * {@link lifecycleChart}. Recorded by the rotation benchmark and by the demo's `--timeline`.
 */
export interface TimelineRun {
  /** What ran, e.g. "proxy-auth (refresh ahead)". */
  label: string;
  tokens: TimelineToken[];
  /** When each grant (a token from the identity provider) arrived, in seconds from the start. */
  grants: number[];
  requests: TimelineRequest[];
}
