/**
 * The system error code behind a failed request (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`,
 * `UND_ERR_CONNECT_TIMEOUT`…). Node's fetch throws a bare "fetch failed" and hides the code in
 * its `cause` (for a name with several addresses, in an `AggregateError` there): this looks a
 * few causes deep. Undefined when there is none.
 */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code.length > 0) return code;
    const errors = (current as { errors?: unknown }).errors;
    const nested = Array.isArray(errors)
      ? (errors[0] as { code?: unknown } | undefined)
      : undefined;
    if (typeof nested?.code === "string") return nested.code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Connection failures that mean "there is no such server here", not "try again later". */
export const ABSENT_SERVER_CODES: ReadonlySet<string> = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "EHOSTUNREACH",
]);
