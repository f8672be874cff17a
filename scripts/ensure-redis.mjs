// The Redis cache's tests run a real redis-server. Install it when it is missing and this
// machine can (root with apt-get, as on CI); otherwise say what to install, and fail.
import { execFileSync, spawnSync } from "node:child_process";

const found = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
if (found.status === 0) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
if (isRoot && hasApt) {
  console.log("redis-server is missing: installing Debian's redis-server package for the tests…");
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", "redis-server"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  process.exit(0);
}
console.error(
  "The tests need redis-server (for @proxy-auth/cache-redis). Install it — apt-get install redis-server, brew install redis, or your system's package — and run the tests again.",
);
process.exit(1);
