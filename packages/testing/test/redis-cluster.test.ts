import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisCluster, startRedisCluster } from "../src/index.js";

const cli = (port: number, ...args: string[]) =>
  execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], {
    encoding: "utf8",
  }).trim();

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 30_000);
afterAll(() => cluster.stop());

describe("startRedisCluster", () => {
  it("runs three masters with one replica each, every slot served", () => {
    expect(cluster.nodes).toHaveLength(6);
    expect(cluster.startupNodes).toEqual(
      cluster.nodes.map((node) => ({ host: "127.0.0.1", port: node.port })),
    );
    const port = cluster.nodes[0]?.port as number;
    const info = cli(port, "CLUSTER", "INFO");
    expect(info).toContain("cluster_state:ok");
    expect(info).toContain("cluster_slots_assigned:16384");
    expect(info).toContain("cluster_size:3");
  });

  it("fails over the master of a key: its replica, with the key, serves the slot", async () => {
    const key = "proxy-auth:token:failover";
    const master = await cluster.masterOf(key);
    cli(master.port, "SET", key, "v");
    cli(master.port, "WAIT", "1", "1000"); // replicated before the crash
    const { stopped, promoted } = await cluster.failover(key);
    expect(stopped.port).toBe(master.port);
    expect(promoted.port).not.toBe(master.port);
    expect((await cluster.masterOf(key)).port).toBe(promoted.port);
    expect(cli(promoted.port, "GET", key)).toBe("v");
    expect(() => cli(stopped.port, "PING")).toThrow();
  });
});
