import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePorts, waitUntilListening } from "./redis-server.js";

const run = promisify(execFile);

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Masters, each serving a share of the 16384 slots. Default 3 (the least Redis allows). */
  masters?: number;
  /** Replicas of each master. Default 1 (what {@link RedisCluster.failover} needs). */
  replicasPerMaster?: number;
}

/** One redis-server of a {@link RedisCluster}. */
export interface RedisClusterNode {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
}

/** A running Redis Cluster on loopback. */
export interface RedisCluster {
  /** Every node, masters and replicas, in start order. */
  readonly nodes: readonly RedisClusterNode[];
  /** `{ host, port }` of every node: the startup nodes of a cluster client (`new Cluster(…)`). */
  readonly startupNodes: { host: string; port: number }[];
  /** The node serving `key`'s slot now (asked of a live node). */
  masterOf(key: string): Promise<RedisClusterNode>;
  /**
   * Fails over the master serving `key`: kills it (SIGKILL, as a crashed host) and promotes its
   * replica (`CLUSTER FAILOVER TAKEOVER`, no vote needed). Resolves when every live node sees the
   * replica as the slot's master. Writes the dead master had not yet replicated are lost, as in
   * a real crash.
   */
  failover(key: string): Promise<{ stopped: RedisClusterNode; promoted: RedisClusterNode }>;
  /** Stops every node and removes their files. */
  stop(): Promise<void>;
}

interface ClusterEntry {
  id: string;
  port: number;
  master: boolean;
  failed: boolean;
  slots: [number, number][];
}

/**
 * Starts a Redis Cluster of real `redis-server` processes (`--cluster-enabled yes`) on
 * ephemeral 127.0.0.1 ports — by default three masters with one replica each — and assigns the
 * slots with `redis-cli --cluster create`. Needs `redis-server` and `redis-cli` (Debian's
 * `redis-server` package, Homebrew's `redis`), Redis 7 or later (`cluster-port`).
 *
 * @example
 * ```ts
 * import { Cluster } from "ioredis";
 *
 * const cluster = await startRedisCluster();
 * const client = new Cluster(cluster.startupNodes);
 * const cache = createRedisTokenCache({ client, encryptionKey: "a-test-key-of-16+chars" });
 * await cluster.failover("proxy-auth:token:…");
 * await cluster.stop();
 * ```
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  if (!Number.isInteger(masters) || masters < 3 || !Number.isInteger(replicas) || replicas < 0) {
    throw new Error(
      "startRedisCluster: a cluster needs at least 3 masters and 0 or more replicas.",
    );
  }
  await requireRedis7();
  const directory = await mkdtemp(join(tmpdir(), "proxy-auth-redis-cluster-"));
  const children = new Map<number, ChildProcess>();
  const stop = async () => {
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          }),
      ),
    );
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const size = masters * (1 + replicas);
    // Each node listens on two ports: clients', and the cluster bus (`cluster-port`).
    const free = await freePorts(size * 2);
    const ports = free.slice(0, size);
    for (const [index, port] of ports.entries()) {
      children.set(port, await startNode(port, free[size + index] as number, directory));
    }
    await Promise.all(ports.map(waitUntilListening));
    await cli(ports[0] as number, [
      "--cluster",
      "create",
      ...ports.map((port) => `127.0.0.1:${port}`),
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    ]);
    await until(async () => {
      for (const port of ports) {
        const info = await cli(port, ["CLUSTER", "INFO"]);
        if (!info.includes("cluster_state:ok")) return false;
        if (!info.includes(`cluster_known_nodes:${ports.length}`)) return false;
      }
      // Every replica follows its master and has synced with it.
      let synced = 0;
      for (const port of ports) {
        const info = await cli(port, ["INFO", "replication"]);
        if (info.includes("role:slave") && info.includes("master_link_status:up")) synced++;
      }
      return synced === masters * replicas;
    }, "the cluster did not become ready");
  } catch (error) {
    await stop();
    throw error;
  }

  const node = (port: number): RedisClusterNode => ({
    host: "127.0.0.1",
    port,
    url: `redis://127.0.0.1:${port}`,
  });
  const live = () =>
    [...children.entries()]
      .filter(([, child]) => child.exitCode === null && child.signalCode === null)
      .map(([port]) => port);
  const masterEntry = async (key: string) => {
    const any = live()[0] as number;
    const slot = Number(await cli(any, ["CLUSTER", "KEYSLOT", key]));
    const entry = (await clusterNodes(any)).find(
      (candidate) =>
        candidate.master &&
        !candidate.failed &&
        candidate.slots.some(([from, to]) => slot >= from && slot <= to),
    );
    if (entry === undefined) throw new Error(`No master serves slot ${slot}.`);
    return { entry, slot };
  };

  return {
    nodes: [...children.keys()].map(node),
    startupNodes: [...children.keys()].map((port) => ({ host: "127.0.0.1", port })),
    masterOf: async (key) => node((await masterEntry(key)).entry.port),
    failover: async (key) => {
      const { entry, slot } = await masterEntry(key);
      const replication = await cli(entry.port, ["INFO", "replication"]);
      const replicaPort = /^slave\d+:.*port=(\d+),state=online/m.exec(replication)?.[1];
      const replica = replicaPort === undefined ? undefined : { port: Number(replicaPort) };
      if (replica === undefined) {
        throw new Error("failover needs a replica: start the cluster with replicasPerMaster ≥ 1.");
      }
      const child = children.get(entry.port) as ChildProcess;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      });
      await cli(replica.port, ["CLUSTER", "FAILOVER", "TAKEOVER"]);
      await until(async () => {
        for (const port of live()) {
          const owner = (await clusterNodes(port)).find(
            (candidate) =>
              candidate.master && candidate.slots.some(([from, to]) => slot >= from && slot <= to),
          );
          if (owner?.port !== replica.port) return false;
        }
        return true;
      }, "the replica was not promoted");
      return { stopped: node(entry.port), promoted: node(replica.port) };
    },
    stop,
  };
}

async function startNode(port: number, busPort: number, directory: string): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--cluster-port",
      String(busPort),
      "--bind",
      "127.0.0.1",
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      `nodes-${port}.conf`,
      "--dir",
      directory,
      "--save",
      "",
      "--appendonly",
      "no",
      // Replicas sync at once (the default waits 5 s for more replicas to share one transfer).
      "--repl-diskless-sync-delay",
      "0",
    ],
    { stdio: "ignore" },
  );
  await new Promise<void>((resolve, reject) => {
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new Error(
              "redis-server is not installed: apt-get install redis-server (Debian/Ubuntu) or brew install redis.",
            )
          : error,
      ),
    );
    child.once("spawn", () => resolve());
  });
  return child;
}

/** `cluster-port` (a bus port that need not be the client port + 10000) came with Redis 7. */
async function requireRedis7(): Promise<void> {
  let version: string;
  try {
    version = (await run("redis-server", ["--version"], { timeout: 10_000 })).stdout;
  } catch {
    throw new Error(
      "redis-server is not installed: apt-get install redis-server (Debian/Ubuntu) or brew install redis.",
    );
  }
  const major = Number(/v=(\d+)\./.exec(version)?.[1]);
  if (!(major >= 7)) {
    throw new Error(`startRedisCluster needs Redis 7 or later; found: ${version.trim()}`);
  }
}

async function cli(port: number, args: string[]): Promise<string> {
  try {
    const { stdout } = await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], {
      timeout: 10_000,
    });
    return stdout.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new Error(
      "redis-cli is not installed: apt-get install redis-server (Debian/Ubuntu) or brew install redis.",
    );
  }
}

/** `CLUSTER NODES` as one node sees it. */
async function clusterNodes(port: number): Promise<ClusterEntry[]> {
  const text = await cli(port, ["CLUSTER", "NODES"]);
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const [id = "", address = "", flags = "", , , , , , ...slots] = line.split(" ");
      const flagList = flags.split(",");
      return {
        id,
        port: Number(/:(\d+)@/.exec(address)?.[1]),
        master: flagList.includes("master"),
        failed: flagList.includes("fail") || flagList.includes("fail?"),
        slots: slots
          .filter((range) => !range.startsWith("["))
          .map((range) => {
            const [from, to = from] = range.split("-").map(Number) as [number, number?];
            return [from, to] as [number, number];
          }),
      };
    });
}

/** Polls `check` every 50 ms for up to 15 s. */
async function until(check: () => Promise<boolean>, failure: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`startRedisCluster: ${failure} within 15 s.`);
}
