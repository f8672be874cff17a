import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import type { Deployment } from "../src/seed-flow.ts";
import { type CaseResult, readJunit } from "./read-junit.ts";

/** What one runtime reported. */
export interface RuntimeRun {
  runtime: string;
  version: string;
  results: CaseResult[];
}

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => join(root, "node_modules", ".bin", name);
/** A runtime that hangs must not hold the suite: each child gets this long. */
const CHILD_TIMEOUT_MS = 60_000;
/** And each case run from here (in workerd, or in this Node process) this long. */
const CASE_TIMEOUT_MS = 20_000;

/** `work`, or a rejection once `CASE_TIMEOUT_MS` has passed without an answer. */
export async function withinCaseTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${CASE_TIMEOUT_MS} ms`)),
      CASE_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command in the package folder; resolves with its output, whatever its exit status. */
function run(command: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ status: number | null; output: string }>((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: root,
        timeout: CHILD_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
        // No update checks or telemetry from the runtimes: traffic stays on loopback.
        env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", DO_NOT_TRACK: "1", ...env },
      },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ status, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** Runs a test runner that writes a JUnit report; its report is the result. */
async function runJunit(
  runtime: string,
  version: string,
  command: (report: string) => [string, string[]],
  deployment: Deployment,
): Promise<RuntimeRun> {
  const folder = await mkdtemp(join(tmpdir(), "proxy-auth-runtimes-"));
  try {
    const report = join(folder, "junit.xml");
    const [executable, args] = command(report);
    const { status, output } = await run(executable, args, {
      PROXY_AUTH_DEPLOYMENT: JSON.stringify(deployment),
    });
    const results = readJunit(await readFile(report, "utf8").catch(() => ""));
    // A runner that fails without saying which test failed (a load error, a crash) is one failure.
    if (status !== 0 && results.every((result) => result.ok)) {
      results.push({ name: `${runtime} ran the test file`, ok: false, error: output });
    }
    return { runtime, version, results };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** The version a runtime's binary reports (`bun --version`, `deno --version`). */
async function versionOf(executable: string): Promise<string> {
  const { output } = await run(executable, ["--version"]);
  return /\d+\.\d+\.\d+/.exec(output)?.[0] ?? "unknown";
}

/** Bun's own test runner (`bun test`) on runtimes/bun.test.ts. */
export async function runBun(deployment: Deployment): Promise<RuntimeRun> {
  return runJunit(
    "Bun",
    await versionOf(bin("bun")),
    (report) => [
      bin("bun"),
      ["test", "--reporter=junit", `--reporter-outfile=${report}`, "./runtimes/bun.test.ts"],
    ],
    deployment,
  );
}

/** Deno's own test runner (`deno test`) on runtimes/deno.test.ts, with network to loopback only. */
export async function runDeno(deployment: Deployment): Promise<RuntimeRun> {
  return runJunit(
    "Deno",
    await versionOf(bin("deno")),
    (report) => [
      bin("deno"),
      [
        "test",
        "--no-check",
        "--no-prompt",
        "--allow-net=127.0.0.1",
        "--allow-env=PROXY_AUTH_DEPLOYMENT",
        "--reporter=dot",
        `--junit-path=${report}`,
        "./runtimes/deno.test.ts",
      ],
    ],
    deployment,
  );
}

/**
 * A Worker from runtimes/ENTRY, bundled as wrangler bundles one (esbuild, the
 * `workerd`/`worker`/`browser` export conditions, the packages' ESM builds), in miniflare.
 */
async function startWorker(
  entry: string,
  bindings: Record<string, string>,
  onOutput: (text: string) => void = () => {},
): Promise<Miniflare> {
  const bundle = await build({
    entryPoints: [join(root, "runtimes", entry)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]?.text ?? "",
    compatibilityDate: "2025-09-01",
    bindings,
    // workerd's own output (where a startup error is told), to the caller instead of the console.
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      for (const stream of [stdout, stderr]) {
        stream.on("data", (chunk: Buffer) => onOutput(chunk.toString("utf8")));
      }
    },
  });
}

/**
 * Starts a Worker that imports the Node-only packages statically (runtimes/node-only-worker.ts)
 * and sends it one request: whether it started, and what workerd said.
 */
export async function startNodeOnlyWorker(): Promise<{ started: boolean; output: string }> {
  let output = "";
  const miniflare = await startWorker("node-only-worker.ts", {}, (text) => {
    output += text;
  });
  try {
    const answer = miniflare.dispatchFetch("http://worker/").then((response) => response.text());
    output += await withinCaseTimeout(answer, "the Node-only Worker");
    return { started: true, output };
  } catch (error) {
    return { started: false, output: `${output}\n${String((error as Error).message)}` };
  } finally {
    await miniflare.dispose().catch(() => {});
  }
}

/**
 * workerd through miniflare: runtimes/worker.ts bundled as wrangler bundles a Worker (esbuild,
 * the `workerd`/`worker`/`browser` export conditions, the packages' ESM builds), one request per
 * case.
 */
export async function runWorkerd(deployment: Deployment): Promise<RuntimeRun> {
  // The workerd that miniflare runs: its own dependency, found from miniflare's folder.
  const fromMiniflare = createRequire(
    createRequire(join(root, "package.json")).resolve("miniflare"),
  );
  const workerd = (fromMiniflare("workerd/package.json") as { version: string }).version;
  const miniflareVersion = (fromMiniflare("miniflare/package.json") as { version: string }).version;
  const miniflare = await startWorker("worker.ts", {
    PROXY_AUTH_DEPLOYMENT: JSON.stringify(deployment),
  });
  try {
    const names = (await (await miniflare.dispatchFetch("http://worker/")).json()) as string[];
    const results: CaseResult[] = [];
    for (const name of names) {
      try {
        const answer = miniflare
          .dispatchFetch(`http://worker/?case=${encodeURIComponent(name)}`)
          .then((response) => response.json() as Promise<{ ok: boolean; error?: string }>);
        results.push({ name, ...(await withinCaseTimeout(answer, name)) });
      } catch (error) {
        results.push({ name, ok: false, error: String((error as Error).stack ?? error) });
      }
    }
    return {
      runtime: "Cloudflare workerd",
      version: `${workerd} (miniflare ${miniflareVersion})`,
      results,
    };
  } finally {
    await miniflare.dispose();
  }
}
