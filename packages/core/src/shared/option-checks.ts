import { ConfigurationError } from "../errors.js";
import { consoleLogger, type Logger } from "../logger.js";

/**
 * Names the kind of a wrong value without echoing it (it could be a secret): `"a string"`,
 * `"an empty string"`, `"null"`, a number as itself, else its `typeof`.
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return value.length === 0 ? "an empty string" : "a string";
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  return typeof value;
}

/**
 * The one style of an option error: `Owner: "name" must be <expected> (got <what was given>).`
 * plus, when given, what to do instead.
 */
export function optionError(
  owner: string,
  name: string,
  expected: string,
  given: unknown,
  hint?: string,
): ConfigurationError {
  return new ConfigurationError(
    `${owner}: "${name}" must be ${expected} (got ${describeValue(given)}).${hint === undefined ? "" : ` ${hint}`}`,
  );
}

/**
 * A number option: `fallback` when absent, else a finite number of at least `minimum` (a whole
 * number with `integer`).
 *
 * @throws ConfigurationError in the {@link optionError} style.
 */
export function numberOption(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  { minimum = 0, integer = false }: { minimum?: number; integer?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value < minimum ||
    (integer && !Number.isInteger(value))
  ) {
    const kind = integer ? "a whole number" : "a finite number";
    throw optionError(owner, name, `${kind} of at least ${minimum}`, value);
  }
  return value;
}

/**
 * A function option: `fallback` when absent.
 *
 * @throws ConfigurationError in the {@link optionError} style.
 */
export function functionOption<T>(owner: string, name: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== "function") throw optionError(owner, name, "a function", value);
  return value as T;
}

/**
 * A required, non-empty string option.
 *
 * @throws ConfigurationError in the {@link optionError} style.
 */
export function stringOption(
  owner: string,
  name: string,
  value: unknown,
  example?: string,
): string {
  if (typeof value !== "string" || value.length === 0) {
    const expected = `a non-empty string${example === undefined ? "" : ` such as ${example}`}`;
    const required = value === undefined ? "is required and " : "";
    throw new ConfigurationError(
      `${owner}: "${name}" ${required}must be ${expected} (got ${describeValue(value)}).`,
    );
  }
  return value;
}

/**
 * A logger option: {@link consoleLogger} when absent, else an object with a `warn(message)`
 * method (the other levels are optional).
 *
 * @throws ConfigurationError in the {@link optionError} style.
 */
export function loggerOption(owner: string, name: string, value: unknown): Logger {
  if (value === undefined) return consoleLogger;
  if (typeof value !== "object" || value === null || typeof (value as Logger).warn !== "function") {
    throw optionError(owner, name, "an object with a warn(message) method", value);
  }
  return value as Logger;
}

/** Options of {@link httpUrlOption}. */
export interface HttpUrlOptionRules {
  /** Refuse a query or a fragment too (a forwarding target, a base URL joined with paths). */
  bare?: boolean;
  /** An example shown when the value is missing or does not parse. */
  example?: string;
  /** What to do instead of putting a user name or password in the URL. */
  credentialsHint?: string;
}

/**
 * The one rule for a URL option naming where requests go (a proxy, a forwarding target): a URL
 * that parses, `http:` or `https:` only, never with a user name or password (fetch refuses such
 * URLs on every call, with the password in the error's cause) and, with `bare`, no query or
 * fragment. Messages name the option (`name`) and never echo the value.
 *
 * @throws ConfigurationError saying which rule the value breaks.
 */
export function httpUrlOption(name: string, value: unknown, rules: HttpUrlOptionRules = {}): URL {
  const example = rules.example ?? "https://my-proxy.example.com";
  if (typeof value !== "string" || value.length === 0) {
    throw new ConfigurationError(`${name} must be a URL such as "${example}".`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`${name} is not a valid URL (expected e.g. "${example}").`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigurationError(`${name} must be an http or https URL.`);
  }
  if (url.username !== "" || url.password !== "") {
    const hint = rules.credentialsHint === undefined ? "" : `; ${rules.credentialsHint}`;
    throw new ConfigurationError(`${name} must not carry a user name or password${hint}.`);
  }
  if (rules.bare && (url.search !== "" || url.hash !== "")) {
    throw new ConfigurationError(`${name} must not carry a query or a fragment.`);
  }
  return url;
}
