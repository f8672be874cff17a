import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import type { Snippet } from "./snippets.js";

/** The compiler options a strict user project would have. */
const OPTIONS: ts.CompilerOptions = {
  strict: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
  types: ["node"],
  noEmit: true,
  skipLibCheck: true,
};

/** What the compiler says of one snippet, with its lines counted in the documentation file. */
export interface SnippetResult {
  snippet: Snippet;
  errors: string[];
}

/**
 * Type-checks every snippet as a module of its own (strict, NodeNext, as a user's project
 * would), in one compiler program, inside `directory` (a folder of this package, so the
 * packages resolve as they do for a user). A TSDoc example sees its own package's exports, as
 * the reader of that page does.
 */
export function checkSnippets(snippets: Snippet[], directory: string): SnippetResult[] {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const exported = exportsOf(PUBLISHED, directory);
  const files = snippets.map((snippet, index) => {
    const imports = snippet.packageName ? tsdocContext(snippet.code, exported) : "";
    const header = `${imports}${snippet.prelude}\n`;
    const path = join(directory, `snippet-${index + 1}.ts`);
    writeFileSync(path, `${header}${snippet.code}\nexport {};\n`);
    return { path, offset: header.split("\n").length - 1 };
  });
  const program = ts.createProgram(
    files.map((file) => file.path),
    OPTIONS,
  );
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return snippets.map((snippet, index) => {
    const file = files[index] as { path: string; offset: number };
    const errors = diagnostics
      .filter((diagnostic) => diagnostic.file?.fileName === file.path)
      .map((diagnostic) => {
        const { line } = (diagnostic.file as ts.SourceFile).getLineAndCharacterOfPosition(
          diagnostic.start ?? 0,
        );
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
        const where = line < file.offset ? "prelude" : `line ${snippet.line + line - file.offset}`;
        return `${snippet.file} ${where}: ${message}`;
      });
    return { snippet, errors };
  });
}

/** The names each package exports (values and types), read by the compiler from its types. */
function exportsOf(packageNames: string[], directory: string): Map<string, string[]> {
  const probe = join(directory, "exports-probe.ts");
  writeFileSync(
    probe,
    packageNames
      .map((name, index) => `import * as p${index} from "${name}";\nvoid p${index};`)
      .join("\n"),
  );
  const program = ts.createProgram([probe], OPTIONS);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(probe) as ts.SourceFile;
  const names = new Map<string, string[]>();
  source.statements.filter(ts.isImportDeclaration).forEach((statement, index) => {
    const symbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
    const packageName = packageNames[index] as string;
    names.set(
      packageName,
      symbol ? checker.getExportsOfModule(symbol).map((entry) => entry.name) : [],
    );
  });
  rmSync(probe);
  return names;
}

/** The packages whose exports a TSDoc example may use without importing them. */
const PUBLISHED = [
  "@proxy-auth/core",
  "@proxy-auth/oauth2",
  "@proxy-auth/azure",
  "@proxy-auth/client",
  "@proxy-auth/cache-redis",
  "@proxy-auth/cli",
  "@proxy-auth/testing",
  "@proxy-auth/opentelemetry",
];

/**
 * The names every TSDoc example may use without declaring them: an example shows one call, and
 * these are what the page it sits on is about.
 */
const TSDOC_NAMES: Record<string, string> = {
  handler: 'import("@proxy-auth/core").ProxyAuthHandler',
  credential: 'import("@proxy-auth/core").TokenCredential',
  scope: "string",
  idp: 'import("@proxy-auth/testing").IdentityProvider',
  response: "Response",
};

/**
 * What a TSDoc example sees without writing it: an import of each published export it names,
 * and a declaration of each conventional name it uses ({@link TSDOC_NAMES}) — unless it
 * declares that name itself.
 */
function tsdocContext(code: string, exported: Map<string, string[]>): string {
  const uses = (name: string) =>
    new RegExp(`\\b${name}\\b`).test(code) &&
    !new RegExp(`(const|let|class|function|interface|type|import)\\s+\\{?\\s*${name}\\b`).test(
      code,
    );
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const [packageName, names] of exported) {
    const used = names.filter((name) => !seen.has(name) && uses(name));
    for (const name of used) seen.add(name);
    if (used.length > 0) lines.push(`import { ${used.join(", ")} } from "${packageName}";`);
  }
  for (const [name, type] of Object.entries(TSDOC_NAMES))
    if (uses(name)) lines.push(`declare const ${name}: ${type};`);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
