/**
 * Merges header records case-insensitively, later ones winning, without touching the inputs:
 * `{ "X-A": "1" }` then `{ "x-a": "2" }` gives `{ "x-a": "2" }`. `undefined` sources are skipped.
 */
export function mergeHeaders(
  ...sources: (Record<string, string> | undefined)[]
): Record<string, string> {
  const merged = new Map<string, [string, string]>();
  for (const source of sources) {
    if (source === undefined) continue;
    for (const [name, value] of Object.entries(source))
      merged.set(name.toLowerCase(), [name, value]);
  }
  return Object.fromEntries(merged.values());
}
