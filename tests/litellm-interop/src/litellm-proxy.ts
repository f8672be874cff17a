import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const packageRoot = fileURLToPath(new URL("../", import.meta.url));
/** The pinned venv (made by scripts/python-env.mjs). */
export const venvBin = join(packageRoot, ".venv", "bin");

/** Models of the generated config: LiteLLM's mock, and the backend stub for the rest. */
export const MODELS = {
  /** Answered by LiteLLM itself (`mock_response`). */
  mock: "mock-gpt",
  /** Chat through the backend stub. */
  chat: "stub-gpt",
  /** Embeddings through the backend stub. */
  embedding: "stub-embedding",
} as const;

/** The reply of the `mock` model. */
export const MOCK_REPLY = "Hello from LiteLLM's mock";

/** The key LiteLLM sends to the backend stub: never one of our tokens. */
export const BACKEND_KEY = "sk-backend-stub-key";

/** Options of {@link startLitellmProxy}. */
export interface LitellmProxyOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** The backend stub's `api_base`. */
  backendApiBase: string;
}

/** A running `litellm` proxy process. */
export interface LitellmProxy {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** What the process printed so far (for a failure's explanation). */
  output(): string;
  /** Stops the whole process group (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

/** A free loopback port (the OS picks it; released just before the proxy binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function configYaml(options: LitellmProxyOptions): string {
  // JSON is YAML: no YAML writer needed.
  return JSON.stringify(
    {
      model_list: [
        {
          model_name: MODELS.mock,
          litellm_params: {
            model: "openai/mock-gpt",
            mock_response: MOCK_REPLY,
            api_key: "unused",
          },
        },
        {
          model_name: MODELS.chat,
          litellm_params: {
            model: "openai/stub-gpt",
            api_base: options.backendApiBase,
            api_key: BACKEND_KEY,
          },
        },
        {
          model_name: MODELS.embedding,
          litellm_params: {
            model: "openai/stub-embedding",
            api_base: options.backendApiBase,
            api_key: BACKEND_KEY,
          },
        },
      ],
      litellm_settings: { num_retries: 0, request_timeout: 30, telemetry: false },
      general_settings: { custom_auth: "jwt_auth.user_api_key_auth" },
    },
    null,
    2,
  );
}

/**
 * Every proxy group still running: killed if this process exits without stopping them, and
 * listed in {@link RUNNING_FILE} so scripts/run.mjs can kill them if this process is killed.
 */
const running = new Set<number>();
/** Process groups of proxies still running, one per line (read by scripts/run.mjs). */
export const RUNNING_FILE = join(packageRoot, ".litellm-running");
const track = (pid: number, alive: boolean) => {
  if (alive) running.add(pid);
  else running.delete(pid);
  writeFileSync(RUNNING_FILE, [...running].map((id) => `${id}\n`).join(""));
};
process.once("exit", () => {
  for (const pid of running) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

/**
 * Starts the real LiteLLM proxy as users do (`litellm --config … --host 127.0.0.1 --port N`),
 * in its own process group, with the `custom_auth` hook of python/jwt_auth.py checking our JWTs,
 * and waits until `/health/liveliness` answers.
 */
export async function startLitellmProxy(options: LitellmProxyOptions): Promise<LitellmProxy> {
  const folder = mkdtempSync(join(tmpdir(), "proxy-auth-litellm-"));
  // custom_auth modules are loaded from the config's folder.
  copyFileSync(join(packageRoot, "python", "jwt_auth.py"), join(folder, "jwt_auth.py"));
  const config = join(folder, "config.yaml");
  writeFileSync(config, configYaml(options));
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(venvBin, "litellm"),
    ["--config", config, "--host", "127.0.0.1", "--port", String(port), "--num_workers", "1"],
    {
      cwd: folder,
      detached: true, // its own process group: stop() ends uvicorn and anything it started
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: `${venvBin}:${process.env.PATH ?? ""}`,
        HOME: folder,
        LITELLM_LOCAL_MODEL_COST_MAP: "True",
        LITELLM_LOG: "ERROR",
        PYTHONUNBUFFERED: "1",
        PROXY_AUTH_JWKS_URL: options.jwksUrl,
        PROXY_AUTH_ISSUER: options.issuer,
        PROXY_AUTH_AUDIENCE: options.audience,
      },
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error("litellm did not start");
  track(pid, true);
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      track(pid, false);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      process.kill(-pid, "SIGTERM");
      const killer = setTimeout(() => {
        if (!exited) process.kill(-pid, "SIGKILL");
      }, 5_000);
      await exit;
      clearTimeout(killer);
    }
    rmSync(folder, { recursive: true, force: true });
  };
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (exited) throw new Error(`litellm exited before it was ready:\n${output}`);
    try {
      const response = await fetch(`${url}/health/liveliness`, {
        signal: AbortSignal.timeout(2_000),
      });
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`litellm was not ready within 150 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, output: () => output, stop };
}
