import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LitellmRelease, selectedRelease } from "../scripts/python-env.mjs";

const packageRoot = fileURLToPath(new URL("../", import.meta.url));
/** The LiteLLM release this run tests (`PROXY_AUTH_LITELLM_RELEASE`, default the pinned one). */
export const release: LitellmRelease = selectedRelease();
/** Its venv (made by scripts/python-env.mjs). */
export const venvBin = join(release.venvDir, "bin");
/** The source of proxy_auth_litellm, the hook under test (on the proxy's PYTHONPATH). */
const hookSource = join(packageRoot, "..", "..", "integrations", "litellm", "src");

/** LiteLLM's master key in the suite (1.108.7 refuses to start without one, as its users see). */
export const MASTER_KEY = "sk-proxy-auth-interop-master-key";

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
  /** `PROXY_AUTH_JWKS_URL`: the key set, skipping discovery. */
  jwksUrl?: string;
  /** `PROXY_AUTH_DISCOVERY_URL`, when the discovery document is not at the issuer. */
  discoveryUrl?: string;
  issuer: string;
  audience: string;
  /** The backend stub's `api_base`. */
  backendApiBase: string;
  /** More `PROXY_AUTH_*` settings of the hook. */
  hookSettings?: Record<string, string>;
  /** A file the identity probe callback appends `{user_id, team_id, user_role}` lines to. */
  identityLog?: string;
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
      litellm_settings: {
        num_retries: 0,
        request_timeout: 30,
        telemetry: false,
        ...(options.identityLog === undefined ? {} : { callbacks: ["identity_probe.probe"] }),
      },
      general_settings: {
        custom_auth: "proxy_auth_hook.user_api_key_auth",
        // Budgets, limits and model access run for token holders too (LiteLLM warns without it).
        custom_auth_run_common_checks: true,
      },
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
 * in its own process group, with proxy_auth_litellm (integrations/litellm) as its `custom_auth`
 * hook checking our JWTs, and waits until `/health/liveliness` answers.
 */
export async function startLitellmProxy(options: LitellmProxyOptions): Promise<LitellmProxy> {
  const folder = mkdtempSync(join(tmpdir(), "proxy-auth-litellm-"));
  // custom_auth and callback modules are loaded from the config's folder.
  for (const file of ["proxy_auth_hook.py", "identity_probe.py"]) {
    copyFileSync(join(packageRoot, "python", file), join(folder, file));
  }
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
        PYTHONPATH: hookSource,
        LITELLM_MASTER_KEY: MASTER_KEY,
        PROXY_AUTH_ISSUER: options.issuer,
        PROXY_AUTH_AUDIENCE: options.audience,
        ...(options.jwksUrl === undefined ? {} : { PROXY_AUTH_JWKS_URL: options.jwksUrl }),
        ...(options.discoveryUrl === undefined
          ? {}
          : { PROXY_AUTH_DISCOVERY_URL: options.discoveryUrl }),
        ...(options.identityLog === undefined
          ? {}
          : { PROXY_AUTH_TEST_IDENTITY_LOG: options.identityLog }),
        ...options.hookSettings,
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
