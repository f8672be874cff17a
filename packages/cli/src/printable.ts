/**
 * Control characters (escape sequences, CR/LF), format characters (bidirectional overrides,
 * zero-width spaces) and the Unicode line separators.
 */
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * Text from an identity provider (a verification address, a user code, a subject), made safe for
 * a terminal: without control characters a hostile provider could rewrite the screen or forge
 * lines with, and bounded in length.
 */
export function printable(text: string, maxLength = 500): string {
  const clean = text.replace(CONTROL, "");
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}
