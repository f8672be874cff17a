import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** A TypeScript block found in the documentation. */
export interface Snippet {
  /** Where it is, relative to the repository root. */
  file: string;
  /** The line of its first code line in that file (1-based). */
  line: number;
  code: string;
  /**
   * Code the reader does not see but the block needs (declarations of what the surrounding
   * text assumes): an HTML comment `<!-- prelude ... -->` right above the fence.
   */
  prelude: string;
  /** For a TSDoc `@example`: the package whose source holds it (its exports are in scope). */
  packageName?: string;
}

const SKIPPED_FOLDERS = new Set(["node_modules", "dist", ".git", ".turbo", ".changeset"]);
const SKIPPED_FILES = new Set(["CHANGELOG.md", "BENCHMARKS.md", "RESULTS.md"]);
const FENCE = /^```(ts|typescript)\s*$/;
const PRELUDE = /<!--\s*prelude\s*\n((?:(?!-->)[\s\S])*)-->\s*$/;

/** Every Markdown file of the repository that documents something (not generated reports). */
export function markdownFiles(root: string, directory = root): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      // Dot folders hold tools' own files (.venv, .git, .turbo), not our docs.
      if (
        entry.name.startsWith(".") ||
        SKIPPED_FOLDERS.has(entry.name) ||
        relative(root, path) === join("docs", "api")
      )
        continue;
      files.push(...markdownFiles(root, path));
    } else if (
      entry.name.endsWith(".md") &&
      !SKIPPED_FILES.has(entry.name) &&
      // API reports (review/<name>.api.md) are generated declarations, not examples.
      !entry.name.endsWith(".api.md")
    )
      files.push(path);
  }
  return files.sort();
}

/** The ```ts blocks of one Markdown file, each with its hidden prelude if it has one. */
export function markdownSnippets(root: string, path: string): Snippet[] {
  const lines = readFileSync(path, "utf8").split("\n");
  const snippets: Snippet[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (!FENCE.test(lines[index] as string)) continue;
    const end = lines.findIndex((line, at) => at > index && line.startsWith("```"));
    if (end === -1) break;
    const before = lines.slice(0, index).join("\n");
    snippets.push({
      file: relative(root, path),
      line: index + 2,
      code: lines.slice(index + 1, end).join("\n"),
      prelude: PRELUDE.exec(before)?.[1] ?? "",
    });
    index = end;
  }
  return snippets;
}

/** The ```ts blocks inside the TSDoc comments of a package's sources (tests excluded). */
export function tsdocSnippets(root: string, packageDirectory: string): Snippet[] {
  const packageName = (
    JSON.parse(readFileSync(join(packageDirectory, "package.json"), "utf8")) as { name: string }
  ).name;
  const snippets: Snippet[] = [];
  const visit = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
        const lines = readFileSync(path, "utf8").split("\n");
        let block: { start: number; code: string[] } | undefined;
        lines.forEach((raw, index) => {
          const line = raw.replace(/^\s*\*\s?/, "");
          if (block === undefined && /^\s*\*\s?```(ts|typescript)\s*$/.test(raw))
            block = { start: index + 2, code: [] };
          else if (block !== undefined && /^\s*\*\s?```\s*$/.test(raw)) {
            snippets.push({
              file: relative(root, path),
              line: block.start,
              code: block.code.join("\n"),
              prelude: "",
              packageName,
            });
            block = undefined;
          } else block?.code.push(line);
        });
      }
    }
  };
  visit(join(packageDirectory, "src"));
  return snippets;
}
