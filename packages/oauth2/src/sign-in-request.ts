import { Deadline } from "@proxy-auth/core/internal";
import type { ResolvedSignInOptions } from "./sign-in-options.js";
import { requestFailure } from "./token-endpoint-failure.js";

/** Runs one request under its own deadline (the caller's signal included). */
export async function step<T>(
  options: ResolvedSignInOptions,
  run: (deadline: Deadline) => Promise<T>,
): Promise<T> {
  const deadline = new Deadline(options.timeoutMs, options.signal);
  try {
    return await run(deadline);
  } finally {
    deadline.clear();
  }
}

/** Sends a request, turning a missing answer into the usual typed error. */
export async function send(
  options: ResolvedSignInOptions,
  deadline: Deadline,
  what: string,
  request: () => Promise<Response>,
): Promise<Response> {
  try {
    return await request();
  } catch (error) {
    throw requestFailure(error, what, options.signal, deadline, options.timeoutMs);
  }
}
