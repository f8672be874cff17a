import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Where the identity provider and the proxy of the other process listen. */
export interface ServerAddresses {
  proxyUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

/** Starts the identity provider and the JWT-checking proxy in another process. */
export async function startServerProcess(
  environment: Record<string, string> = {},
): Promise<ServerAddresses & { stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [fileURLToPath(new URL("./proxy-process.mjs", import.meta.url))],
    {
      env: { ...process.env, ...environment },
      stdio: ["pipe", "pipe", "ignore"],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the server process exited (${code})`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve);
  });
  return {
    ...(JSON.parse(line) as ServerAddresses),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.stdin?.end();
      }),
  };
}
