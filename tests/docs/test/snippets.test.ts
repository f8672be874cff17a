import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkSnippets } from "../src/check-snippets.js";
import { markdownFiles, markdownSnippets, type Snippet, tsdocSnippets } from "../src/snippets.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const work = fileURLToPath(new URL("../.snippets", import.meta.url));

const markdown = markdownFiles(root).flatMap((path) => markdownSnippets(root, path));
const tsdoc = readdirSync(join(root, "packages")).flatMap((name) =>
  tsdocSnippets(root, join(root, "packages", name)),
);
const results = checkSnippets([...markdown, ...tsdoc], work);
const byFile = new Map<string, typeof results>();
for (const result of results)
  byFile.set(result.snippet.file, [...(byFile.get(result.snippet.file) ?? []), result]);

describe("every TypeScript block in the docs type-checks (strict, NodeNext)", () => {
  it("finds the blocks", () => {
    expect(markdown.length).toBeGreaterThan(20);
    expect(tsdoc.length).toBeGreaterThan(5);
  });
  for (const [file, entries] of byFile) {
    it(`${file} (${entries.length} block${entries.length === 1 ? "" : "s"})`, () => {
      expect(entries.flatMap((entry) => entry.errors)).toEqual([]);
    });
  }
});

describe("the checker", () => {
  it("reports a block that does not compile at its line, gives a prelude to its block, and the package's exports to an example", () => {
    const broken: Snippet = {
      file: "README.md",
      line: 10,
      code: 'import { ProxyAuthHandler } from "@proxy-auth/core";\nnew ProxyAuthHandler({ scope: 1 });',
      prelude: "",
    };
    const withPrelude: Snippet = {
      file: "README.md",
      line: 1,
      code: "const n: number = answer;",
      prelude: "declare const answer: number;",
    };
    const example: Snippet = {
      file: "packages/core/src/x.ts",
      line: 1,
      code: 'const headers: Record<string, string> = await handler.getAuthHeaders();\nnew ConfigurationError("x");',
      prelude: "",
      packageName: "@proxy-auth/core",
    };
    const withoutPrelude: Snippet = { ...withPrelude, prelude: "" };
    const [brokenResult, preludeResult, exampleResult, bareResult] = checkSnippets(
      [broken, withPrelude, example, withoutPrelude],
      `${work}-self-test`,
    );
    expect(brokenResult?.errors.join("\n")).toMatch(/^README\.md line 11: /);
    expect(preludeResult?.errors).toEqual([]);
    expect(exampleResult?.errors).toEqual([]);
    expect(bareResult?.errors.join("\n")).toMatch(/Cannot find name 'answer'/);
  });
});
