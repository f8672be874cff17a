import { redact } from "../redact.js";
import type { RequestFailure } from "./request-failure.js";

/** What to tell a user about a request that got no answer. */
export interface NoAnswer {
  /** One sentence naming what did not answer and why, with no secret in it. */
  readonly message: string;
  /** Whether it was a timeout (ours, or the runtime's connect/headers timeout) rather than a refusal. */
  readonly timedOut: boolean;
}

/** The runtime's own timeouts (undici): the server was found but did not answer in time. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * The one wording of "no answer" every package uses, after {@link requestFailure} told the cases
 * apart: `The <what> did not answer within <timeoutMs> ms.` or `Could not reach the <what>
 * (<reason>).` The reason is the system's code (`ECONNREFUSED`, `ENOTFOUND`: Node's fetch says
 * only "fetch failed"), else the cause's message, bounded and redacted.
 *
 * @param failure - A `timeout` or `network` failure from `requestFailure`.
 * @param what - What was asked, as it reads after "the": `proxy at https://…`, `token endpoint …`.
 * @param timeoutMs - The timeout that ran out, for a `timeout` failure.
 * @param error - What the request threw, for the reason when there is no system code.
 */
export function describeNoAnswer(
  failure: Extract<RequestFailure, { kind: "timeout" | "network" }>,
  what: string,
  timeoutMs: number | undefined,
  error: unknown,
): NoAnswer {
  if (failure.kind === "timeout") {
    const within = timeoutMs === undefined ? "in time" : `within ${timeoutMs} ms`;
    return { message: `The ${what} did not answer ${within}.`, timedOut: true };
  }
  const { code } = failure;
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return { message: `The ${what} did not answer in time (${code}).`, timedOut: true };
  }
  const reason = code ?? causeMessage(error);
  const named = reason === undefined ? "" : ` (${redact(reason, { maxLength: 200 })})`;
  return { message: `Could not reach the ${what}${named}.`, timedOut: false };
}

function causeMessage(error: unknown): string | undefined {
  const cause = (error as { cause?: { message?: unknown } } | null)?.cause;
  if (typeof cause?.message === "string") return cause.message;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : undefined;
}
