import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { readPrivateFile } from "./private-file.js";

const root = mkdtempSync(join(tmpdir(), "proxy-auth-private-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("judges the file it opened, not the path: a file swapped in after a look at the path is refused", async () => {
  // Someone who can write to the directory swaps, as fast as they can, the user's private file
  // and one that breaks the rules (readable by others: it could be anyone's). Whatever is read
  // must be the private file's content; nothing of the other file's may ever be returned.
  const path = join(root, "entry");
  writeFileSync(join(root, "good"), "private", { mode: 0o600 });
  writeFileSync(join(root, "bad"), "planted", { mode: 0o644 });
  writeFileSync(path, "private", { mode: 0o600 });
  const swapper = spawn(process.execPath, [
    "-e",
    `const fs = require("node:fs"); const dir = ${JSON.stringify(root)};
     console.log("swapping");
     for (let i = 0; ; i++) {
       try { fs.linkSync(dir + (i % 2 ? "/good" : "/bad"), dir + "/next"); fs.renameSync(dir + "/next", dir + "/entry"); } catch {}
     }`,
  ]);
  // Reads start once the swapper runs (it takes a moment to start on a loaded machine).
  await new Promise((resolve) => swapper.stdout.once("data", resolve));
  const seen = new Map<string, number>();
  try {
    for (let read = 0; read < 3000; read++) {
      const outcome = await readPrivateFile(path, 64).then(
        (bytes) => bytes?.toString("utf8") ?? "absent",
        (error: Error) => error.name,
      );
      seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
    }
  } finally {
    swapper.kill();
  }
  expect(seen.get("planted")).toBeUndefined();
  expect(seen.get("private")).toBeGreaterThan(0);
  expect(seen.get("ForeignFileError")).toBeGreaterThan(0);
});
