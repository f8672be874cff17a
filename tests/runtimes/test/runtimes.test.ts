// Runs the seed flow in Node, Bun, Deno and workerd against one loopback deployment, one runtime
// after another (the cases count grants), and turns every test line each runtime's own runner
// reported into a test here, so each is counted in the repository's closing line. Then writes
// RESULTS.json and checks the README's compatibility table against it.

import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  END_MARKER,
  readmeFile,
  renderTable,
  resultsFile,
  START_MARKER,
} from "../scripts/compatibility-table.mjs";
import { nodeOnlyImports } from "../src/node-only-imports.ts";
import { type Deployment, type SeedCase, seedFlow } from "../src/seed-flow.ts";
import { nodePackageCases } from "./node-package-cases.ts";
import type { CaseResult } from "./read-junit.ts";
import {
  type RuntimeRun,
  runBun,
  runDeno,
  runWorkerd,
  startNodeOnlyWorker,
  withinCaseTimeout,
} from "./run-runtime.ts";
import { startDeployment } from "./start-deployment.ts";

const running = await startDeployment();
afterAll(() => running.close());

const engines = (
  JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    engines: { node: string };
  }
).engines.node;

/** Node runs the cases in this process, loading the packages' builds as any Node program does. */
async function runNode(deployment: Deployment): Promise<RuntimeRun> {
  const results: CaseResult[] = [];
  for (const check of [...seedFlow, ...nodePackageCases]) {
    try {
      await withinCaseTimeout(check.run(deployment), check.name);
      results.push({ name: check.name, ok: true });
    } catch (error) {
      results.push({ name: check.name, ok: false, error: String((error as Error).stack) });
    }
  }
  return { runtime: "Node.js", version: engines, results };
}

/** A runtime whose harness itself failed (no binary, a bundling error) reports one failed line. */
async function guarded(
  runtime: string,
  start: (deployment: Deployment) => Promise<RuntimeRun>,
): Promise<RuntimeRun> {
  try {
    return await start(running.deployment);
  } catch (error) {
    const failure = String((error as Error).stack ?? error);
    return { runtime, version: "", results: [{ name: "harness", ok: false, error: failure }] };
  }
}

const matrix: { run: RuntimeRun; expected: readonly SeedCase[] }[] = [];
for (const [runtime, start, expected] of [
  ["Node.js", runNode, [...seedFlow, ...nodePackageCases]],
  ["Bun", runBun, [...seedFlow, ...nodeOnlyImports]],
  ["Deno", runDeno, [...seedFlow, ...nodeOnlyImports]],
  ["Cloudflare workerd", runWorkerd, [...seedFlow, ...nodeOnlyImports]],
] as const) {
  matrix.push({ run: await guarded(runtime, start), expected });
}

for (const { run, expected } of matrix) {
  describe(`${run.runtime} ${run.version}`, () => {
    const names = new Set(expected.map((check) => check.name));
    const extra = run.results.filter((result) => !names.has(result.name));
    for (const check of [...expected, ...extra]) {
      it(check.name, () => {
        const result = run.results.find((candidate) => candidate.name === check.name);
        if (result === undefined) throw new Error(`${run.runtime} did not report this case`);
        if (!result.ok) throw new Error(result.error);
      });
    }
  });
}

describe("a Worker that imports a Node-only package statically", () => {
  it("bundles as wrangler would, and fails at startup with the package's own message", async () => {
    const { started, output } = await startNodeOnlyWorker();
    expect(started).toBe(false);
    expect(output).toContain("ConfigurationError: @proxy-auth/azure runs on Node.js only");
  });
});

describe("the README's compatibility table", () => {
  it("is the table of these results", () => {
    const results = {
      runtimes: matrix.map(({ run, expected }) => ({
        runtime: run.runtime,
        version: run.version,
        cases: expected.map((check) => ({
          name: check.name,
          packages: check.packages,
          outcome: check.outcome,
          ok: run.results.find((result) => result.name === check.name)?.ok === true,
        })),
      })),
    };
    // As Biome formats JSON: short arrays of strings on one line.
    const json = JSON.stringify(results, null, 2).replace(
      /\[\s+("[^\n]*"(?:,\s+"[^\n]*")*)\s+\]/g,
      (_, items: string) => `[${items.split(/,\s+/).join(", ")}]`,
    );
    writeFileSync(resultsFile, `${json}\n`);
    const readme = readFileSync(readmeFile, "utf8");
    const start = readme.indexOf(START_MARKER);
    const end = readme.indexOf(END_MARKER);
    expect(start, "README.md has the table's markers").toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    // Biome may re-pad the table: compare with runs of spaces folded.
    const fold = (text: string) => text.replace(/ {2,}/g, " ").trim();
    expect(
      fold(readme.slice(start + START_MARKER.length, end)),
      "run `pnpm --filter @proxy-auth/runtimes-test run readme` to write the table",
    ).toBe(fold(renderTable(results)));
  });
});
