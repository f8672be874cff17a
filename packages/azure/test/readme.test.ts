import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const packageRoot = fileURLToPath(new URL("..", import.meta.url));

it("the README's three Azure examples type-check (strict, NodeNext)", async () => {
  const readme = readFileSync(join(packageRoot, "README.md"), "utf8");
  const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);
  expect(examples).toHaveLength(3);
  // Inside the package, so the examples resolve @proxy-auth/azure, core and @azure/identity
  // as a user's project would.
  const directory = join(packageRoot, ".readme-examples");
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory);
  try {
    for (const [index, code] of examples.entries()) {
      writeFileSync(join(directory, `example-${index + 1}.ts`), `${code}\nexport {};\n`);
    }
    writeFileSync(
      join(directory, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
        },
        include: ["*.ts"],
      }),
    );
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const result = await promisify(execFile)(process.execPath, [tsc, "-p", directory], {
      encoding: "utf8",
    }).catch((error: { stdout: string }) => ({ stdout: error.stdout, failed: true }));
    expect(result.stdout).toBe("");
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
