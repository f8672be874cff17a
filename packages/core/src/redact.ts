/** Options of {@link redact}. */
export interface RedactOptions {
  /**
   * Secrets the caller knows (client secret, private key, assertion, the token it sent): each is
   * replaced wherever it appears, also URL- or form-encoded. Empty strings are ignored.
   */
  secrets?: readonly (string | undefined)[];
  /** The longest text returned, in characters (an ellipsis marks a cut). Default 500. */
  maxLength?: number;
}

/** What replaces a secret or a token-shaped string. */
export const REDACTED = "[redacted]";

/** Only this much of a text is looked at; what lies beyond is cut anyway. */
const SCANNED_CHARACTERS = 16_384;

/** PEM private keys, whole. */
const PRIVATE_KEY =
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
/** Whatever follows an HTTP auth scheme. */
const AUTH_SCHEME = /\b(Bearer|Basic|DPoP)\s+(?![A-Za-z_-]+=\s*")[^\s"',;]+/gi;
/**
 * JWTs and other JOSE objects: base64url JSON header ("eyJ"), dot-separated segments. Global:
 * for `String.replace` (no word boundary, so one glued to other text, as in `token%3DeyJ…`, is
 * found too). The one home of this shape: the CLI's forwarder redacts echoes with it.
 */
export const JOSE_OBJECT = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)+/g;
/** Long runs of the characters opaque tokens and base64 are made of. */
const LONG_RUN = /[A-Za-z0-9\-._~+/=]{32,}/g;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]+$/i;
/** Controls (CR/LF included) would let server text forge log lines. */
const CONTROL = /[\p{Cc}\u2028\u2029]+/gu;

/**
 * Makes text that came from a server (an identity provider's `error_description`, a proxy's
 * error body) safe for an error message or a log line: every known secret and every
 * token-shaped string (JWTs, long opaque bearer-like strings, PEM private keys, whatever follows
 * `Bearer`/`Basic`) becomes `[redacted]`, control characters become spaces, and the result is
 * bounded in length. Readable words, paths, GUIDs (trace ids) and short codes stay.
 *
 * @param text - Untrusted text.
 * @param options - The secrets to remove and the length bound.
 * @returns The text, safe to show.
 *
 * @example
 * ```ts
 * const clientSecret = "s3cr3t-from-the-vault";
 * redact(`invalid_client: secret ${clientSecret} is wrong`, { secrets: [clientSecret] });
 * // "invalid_client: secret [redacted] is wrong"
 * ```
 */
export function redact(text: string, options: RedactOptions = {}): string {
  const maxLength = options.maxLength ?? 500;
  let result = String(text).slice(0, maxLength + SCANNED_CHARACTERS);
  for (const secret of variants(options.secrets)) result = result.split(secret).join(REDACTED);
  result = result
    .replace(PRIVATE_KEY, REDACTED)
    .replace(AUTH_SCHEME, (_, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(JOSE_OBJECT, REDACTED)
    .replace(LONG_RUN, (run) => (looksLikeToken(run) ? REDACTED : run))
    .replace(CONTROL, " ");
  return result.length > maxLength ? `${result.slice(0, maxLength)}…` : result;
}

/** Random strings mix cases and digits, or are long hex; paths and words do not. */
function looksLikeToken(run: string): boolean {
  if (run === REDACTED || GUID.test(run)) return false;
  if (HEX.test(run)) return true;
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

/** Each secret as sent: raw, URL-encoded and form-encoded; longest first. */
function variants(secrets: RedactOptions["secrets"]): string[] {
  const found = new Set<string>();
  for (const secret of secrets ?? []) {
    if (typeof secret !== "string" || secret.length === 0) continue;
    found.add(secret);
    found.add(encodeURIComponent(secret));
    found.add(new URLSearchParams({ s: secret }).toString().slice(2));
  }
  return [...found].sort((a, b) => b.length - a.length);
}
