/**
 * The path to send upstream for a request target (`/x/y?q`) under the target's base path:
 * `.` and `..` segments are resolved (also percent-encoded ones: `%2e%2e`, `.%2E`), so a target
 * that normalises paths itself cannot be made to serve something outside the base path.
 * Undefined (refuse the request) when the path climbs above the base, when a segment hides a
 * separator (`%2f`, `\`, `%5c`), is encoded twice (`%252e`), is a dot segment with parameters
 * (`..;x`), or when its percent-encoding is malformed. The query passes
 * unchanged; the kept segments keep their spelling.
 *
 * @param basePath - The target URL's path without a trailing slash (`""` or `/base`).
 * @param requestTarget - The request's origin-form target, starting with `/`.
 */
export function forwardedPath(basePath: string, requestTarget: string): string | undefined {
  const queryAt = requestTarget.indexOf("?");
  const path = queryAt === -1 ? requestTarget : requestTarget.slice(0, queryAt);
  const query = queryAt === -1 ? "" : requestTarget.slice(queryAt);
  const kept: string[] = [];
  const segments = path.split("/").slice(1);
  for (const [index, segment] of segments.entries()) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    // A hidden separator, a second layer of encoding, or a dot segment with parameters
    // (`..;x`, which some servers read as `..`): each is a way to climb that is refused.
    if (/[/\\]|%(?:2e|2f|5c)/i.test(decoded)) return undefined;
    const bare = decoded.split(";")[0];
    if (bare !== decoded && (bare === "." || bare === "..")) return undefined;
    const last = index === segments.length - 1;
    if (decoded === ".") {
      if (last) kept.push("");
      continue;
    }
    if (decoded === "..") {
      if (kept.pop() === undefined) return undefined;
      if (last) kept.push("");
      continue;
    }
    kept.push(segment);
  }
  return `${basePath}/${kept.join("/")}${query}`;
}
