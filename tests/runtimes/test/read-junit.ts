/** One test line a runtime's own test runner reported. */
export interface CaseResult {
  name: string;
  ok: boolean;
  /** Why it failed, when it did. */
  error?: string;
}

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return entities[entity] ?? whole;
  });
}

/**
 * The test lines of a JUnit XML report, as `bun test --reporter=junit` and `deno test
 * --junit-path` write it: a `<testcase>` with a `<failure>` or `<error>` inside failed, one with
 * `<skipped>` counts as failed too (nothing may be left behind).
 */
export function readJunit(xml: string): CaseResult[] {
  const results: CaseResult[] = [];
  const testcase = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const [, attributes = "", , body = ""] of xml.matchAll(testcase)) {
    const name = unescapeXml(/\bname="([^"]*)"/.exec(attributes)?.[1] ?? "");
    const problem = /<(failure|error|skipped)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/.exec(body);
    if (problem === null) {
      results.push({ name, ok: true });
    } else {
      const message = /\bmessage="([^"]*)"/.exec(problem[2] ?? "")?.[1] ?? "";
      const detail = unescapeXml(`${message}\n${problem[3] ?? ""}`).trim();
      results.push({ name, ok: false, error: `${problem[1]}: ${detail}` });
    }
  }
  return results;
}
