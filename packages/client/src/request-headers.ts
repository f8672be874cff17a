import { ConfigurationError } from "@proxy-auth/core";

/** What `headers` options accept: the shapes `fetch` accepts. */
export type HeadersInput = Headers | Record<string, string> | [string, string][];

// RFC 9110 field-name token, and a field value without CR, LF or NUL (header injection).
const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;

/**
 * Headers given as a `Headers` object, a record or `[name, value]` pairs, as one record
 * (repeated names joined with ", " as `fetch` does), every name and value checked.
 *
 * @throws ConfigurationError for another shape, an invalid name, or a value with CR, LF or NUL:
 *   a caller's mistake, reported at once and never sent.
 */
export function headerRecord(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  let pairs: Iterable<unknown>;
  if (value instanceof Headers || Array.isArray(value)) pairs = value as Iterable<unknown>;
  else if (typeof value === "object" && value !== null) pairs = Object.entries(value);
  else
    throw new ConfigurationError(
      `${where} must be a Headers object, a record or [name, value] pairs.`,
    );
  const record: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new ConfigurationError(`${where}: each entry must be a [name, value] pair of strings.`);
    }
    const [name, text] = pair as unknown[];
    if (typeof name !== "string" || !NAME.test(name)) {
      throw new ConfigurationError(
        `${where}: ${JSON.stringify(String(name)).slice(0, 80)} is not a valid header name.`,
      );
    }
    if (typeof text !== "string") {
      throw new ConfigurationError(`${where}: the value of "${name}" must be a string.`);
    }
    if (BAD_VALUE.test(text)) {
      throw new ConfigurationError(
        `${where}: the value of "${name}" contains a line break or NUL; header values are one line.`,
      );
    }
    const lower = name.toLowerCase();
    const first = seen.get(lower);
    if (first === undefined) {
      seen.set(lower, name);
      record[name] = text;
    } else {
      record[first] = `${record[first]}, ${text}`;
    }
  }
  return record;
}
