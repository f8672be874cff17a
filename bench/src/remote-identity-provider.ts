import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Fault } from "@proxy-auth/testing";

/** Token requests the provider received so far, and those it answered with a token. */
export interface TokenCounts {
  issued: number;
  requests: number;
}

/** The identity provider of idp-process.mjs, steered from this process. */
export interface RemoteIdentityProvider extends TokenCounts {
  tokenUrl: string;
  jwksUrl: string;
  issuer: string;
  audience: string;
  clientId: string;
  clientSecret: string;
  /** Every token request gets `fault` from now on (`undefined`: none); answers the counts. */
  setFault(fault: Fault | undefined): Promise<TokenCounts>;
  /** The counts now. */
  counts(): Promise<TokenCounts>;
  stop(): Promise<void>;
}

/**
 * Starts the identity provider in another process, so neither the Node nor the Python client
 * under test shares a CPU-bound event loop with it.
 */
export async function startRemoteIdentityProvider(
  environment: Record<string, string>,
): Promise<RemoteIdentityProvider> {
  const child: ChildProcess = spawn(
    process.execPath,
    [fileURLToPath(new URL("./idp-process.mjs", import.meta.url))],
    { env: { ...process.env, ...environment }, stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: ((line: string) => void)[] = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const first = await Promise.race([
    next(),
    exited.then(() => {
      throw new Error("the identity provider process exited");
    }),
  ]);
  const send = async (command: object): Promise<TokenCounts> => {
    const answer = next();
    child.stdin?.write(`${JSON.stringify(command)}\n`);
    return JSON.parse(await answer) as TokenCounts;
  };
  return {
    ...(JSON.parse(first) as Omit<RemoteIdentityProvider, "setFault" | "counts" | "stop">),
    setFault: (fault) => send(fault === undefined ? { clear: true } : { fault }),
    counts: () => send({}),
    stop: async () => {
      child.stdin?.end();
      await exited;
    },
  };
}
