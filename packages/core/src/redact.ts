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
/** Whether a char code is one of base64url's characters (`A-Z a-z 0-9 - _`). */
export function isBase64urlCharacter(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || // 0-9
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    code === 0x2d || // -
    code === 0x5f // _
  );
}

/**
 * Replaces JWTs and other JOSE objects in `text` — a base64url JSON header ("eyJ") and one or
 * more dot-separated segments, the shape `/eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)+/` — with
 * `replacement`. No word boundary, so one glued to other text (`token%3DeyJ…`) is found too.
 * Linear time: that regex backtracks quadratically on a long run without a dot ("eyJeyJ…", a
 * hostile server's answer), so the shape is scanned by hand. The one home of this shape: errors,
 * logs and the CLI's forwarder redact with it.
 */
export function replaceJoseObjects(text: string, replacement: string = REDACTED): string {
  let result = "";
  let copied = 0;
  for (let start = text.indexOf("eyJ"); start !== -1; start = text.indexOf("eyJ", start)) {
    let end = start + 3;
    while (end < text.length && isBase64urlCharacter(text.charCodeAt(end))) end++;
    if (text.charCodeAt(end) !== 0x2e) {
      // No dot after this run: no object starts anywhere inside it either.
      start = end;
      continue;
    }
    while (text.charCodeAt(end) === 0x2e) {
      end++;
      while (end < text.length && isBase64urlCharacter(text.charCodeAt(end))) end++;
    }
    result += text.slice(copied, start) + replacement;
    copied = end;
    start = end;
  }
  return copied === 0 ? text : result + text.slice(copied);
}
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
  for (const secret of secretSpellings(options.secrets))
    result = result.split(secret).join(REDACTED);
  result = result
    .replace(PRIVATE_KEY, REDACTED)
    .replace(AUTH_SCHEME, (_, scheme: string) => `${scheme} ${REDACTED}`);
  result = replaceJoseObjects(result)
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

/**
 * Each secret as it is sent or may come back: raw; URL-encoded (upper- and lower-case hex, with
 * and without `/` left as is, as Python's `quote` does); form-encoded; with JSON's escaped
 * slashes (`\/`). Longest first, so a longer spelling is replaced before a shorter one inside
 * it. A JWT (base64url and dots) has one spelling.
 */
export function secretSpellings(secrets: readonly (string | undefined)[] | undefined): string[] {
  const found = new Set<string>();
  const lower = (encoded: string) => encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
  for (const secret of secrets ?? []) {
    if (typeof secret !== "string" || secret.length === 0) continue;
    const encoded = encodeURIComponent(secret);
    const slashKept = encoded.replaceAll("%2F", "/");
    for (const spelling of [
      secret,
      encoded,
      lower(encoded),
      slashKept,
      lower(slashKept),
      new URLSearchParams({ s: secret }).toString().slice(2),
      secret.replaceAll("/", "\\/"),
    ]) {
      found.add(spelling);
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}
