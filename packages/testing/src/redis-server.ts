import { type ChildProcess, spawn } from "node:child_process";
import { createServer, Socket } from "node:net";

/** A running redis-server. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Stops it (SIGTERM) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop()`), empty. */
  restart(): Promise<void>;
}

/**
 * Starts a real `redis-server` (from the system: Debian's `redis-server` package, Homebrew's
 * `redis`…) on an ephemeral 127.0.0.1 port, without persistence.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * const cache = createRedisTokenCache({ url: redis.url, encryptionKey: "a-test-key-of-16+chars" });
 * await redis.stop();
 * ```
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    child = started;
    await new Promise<void>((resolve, reject) => {
      started.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          error.code === "ENOENT"
            ? new Error(
                "redis-server is not installed: apt-get install redis-server (Debian/Ubuntu) or brew install redis.",
              )
            : error,
        ),
      );
      started.once("spawn", () => resolve());
    });
    await waitUntilListening(port);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      const running = child;
      if (running === undefined || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once("exit", () => resolve());
        running.kill("SIGTERM");
      });
    },
    restart: start,
  };
}

/** A port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0] as number;
}

/** `count` distinct ports that were free on 127.0.0.1 a moment ago (held together, so distinct). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Resolves once something accepts connections on 127.0.0.1:port (about 5 s at most). */
export async function waitUntilListening(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
      socket.connect(port, "127.0.0.1");
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not start listening on port ${port}`);
}
