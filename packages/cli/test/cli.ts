import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type IdentityProviderOptions,
  type MockProxy,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";

/** The built bin, as `npm install` links it: the tests run what users run. */
export const BIN = fileURLToPath(new URL("../dist/bin/proxy-auth.js", import.meta.url));

/** A real identity provider, a JWT-checking proxy, and an environment pointing at them. */
export interface Deployment {
  idp: IdentityProvider;
  proxy: MockProxy;
  /** PROXY_AUTH_* for the default client, and a cache directory of this deployment's own. */
  environment: Record<string, string>;
  cacheDirectory: string;
  close(): Promise<void>;
}

export async function startDeployment(
  tokenLifetimeSeconds = 3600,
  options: IdentityProviderOptions = {},
): Promise<Deployment> {
  const idp = await startIdentityProvider({ ...options, tokenLifetimeSeconds });
  const proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
    requiredScope: "litellm_proxy_api",
  });
  const home = mkdtempSync(join(tmpdir(), "proxy-auth-cli-"));
  return {
    idp,
    proxy,
    cacheDirectory: join(home, "cache", "proxy-auth"),
    environment: {
      HOME: home,
      XDG_CACHE_HOME: join(home, "cache"),
      PROXY_AUTH_TOKEN_URL: idp.tokenUrl,
      PROXY_AUTH_CLIENT_ID: DEFAULT_CLIENT.clientId,
      PROXY_AUTH_CLIENT_SECRET: DEFAULT_CLIENT.clientSecret,
      PROXY_AUTH_SCOPE: "litellm_proxy_api",
      PROXY_AUTH_TARGET: proxy.url,
    },
    close: async () => {
      await proxy.close();
      await idp.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The environment of a child: PATH and what the test gives, nothing of this process's own. */
function childEnvironment(environment: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "", ...environment };
}

/** Runs the bin to the end. */
export function runCli(
  args: string[],
  environment: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: childEnvironment(environment), encoding: "utf8", timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A running `proxy-auth serve` or `exec`. */
export interface RunningCli {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves the exit code. */
  exited: Promise<number | null>;
}

/** Starts the bin and waits for the line on stderr that matches `ready` (the forwarder's URL). */
export async function startCli(
  args: string[],
  environment: Record<string, string>,
  ready = /forwarding (http:\/\/\S+)/,
): Promise<RunningCli & { url: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: childEnvironment(environment),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${stderr}`)), 20_000);
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
      const match = ready.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? "");
      }
    });
    exited.then((code) => reject(new Error(`exited ${code} before ready: ${stderr}`)));
  });
  return { child, url, exited, stderr: () => stderr };
}

/** Polls `condition` until it holds (at most `timeoutMs`). */
export async function eventually(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
