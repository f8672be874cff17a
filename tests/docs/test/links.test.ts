import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { markdownFiles } from "../src/snippets.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));

/** The relative links and images of a Markdown file (outside code blocks) that name no file there. */
function brokenLinks(path: string): string[] {
  const text = readFileSync(path, "utf8").replace(/^```[\s\S]*?^```/gm, "");
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const link = target as string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("#")) continue;
    const file = decodeURIComponent(link.split("#")[0] as string);
    if (!existsSync(join(dirname(path), file))) broken.push(link);
  }
  return broken;
}

describe("every relative link and image in the docs names a file that exists", () => {
  for (const path of markdownFiles(root)) {
    it(relative(root, path), () => {
      expect(brokenLinks(path)).toEqual([]);
    });
  }
});
