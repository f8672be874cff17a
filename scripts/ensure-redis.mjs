// The Redis cache's tests run a real redis-server. Install it when it is missing and this
// machine can (root with apt-get, as on CI); otherwise say what to install, and fail.
import { execFileSync, spawnSync } from "node:child_process";

// redis-cli too: startRedisCluster() assigns the slots with it (Debian's redis-server brings it).
const found = ["redis-server", "redis-cli"].every(
  (command) => spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0,
);
// startRedisCluster() needs Redis 7 or later (cluster-port).
const MINIMUM_MAJOR = 7;
const majorVersion = () =>
  Number(
    /v=(\d+)\./.exec(
      spawnSync("redis-server", ["--version"], { encoding: "utf8" }).stdout ?? "",
    )?.[1] ?? 0,
  );
if (found) {
  if (majorVersion() >= MINIMUM_MAJOR) process.exit(0);
  console.error(
    `The tests need redis-server ${MINIMUM_MAJOR} or later (the Redis Cluster tests use cluster-port); this one says: ${spawnSync("redis-server", ["--version"], { encoding: "utf8" }).stdout?.trim()}. Install a newer Redis and run the tests again.`,
  );
  process.exit(1);
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
if (isRoot && hasApt) {
  console.log(
    "redis-server or redis-cli is missing: installing Debian's redis-server package for the tests…",
  );
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", "redis-server"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  process.exit(0);
}
console.error(
  "The tests need redis-server and redis-cli (for @proxy-auth/cache-redis). Install them — apt-get install redis-server, brew install redis, or your system's package — and run the tests again.",
);
process.exit(1);
