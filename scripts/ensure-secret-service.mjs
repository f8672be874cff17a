// The CLI's keychain tests run a real Linux Secret Service: gnome-keyring on a private D-Bus
// session. Install it when it is missing and this machine can (root with apt-get, as on CI);
// otherwise say what to install, and fail. macOS and Windows have their keychain built in.
import { execFileSync, spawnSync } from "node:child_process";

if (process.platform !== "linux") process.exit(0);
const found = ["gnome-keyring-daemon", "dbus-daemon"].every(
  (command) => spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0,
);
if (found) process.exit(0);
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
if (isRoot && hasApt) {
  console.log(
    "gnome-keyring or dbus-daemon is missing: installing Debian's packages for the tests…",
  );
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync(
    "apt-get",
    ["install", "-y", "-qq", "--no-install-recommends", "gnome-keyring", "dbus-daemon"],
    { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } },
  );
  process.exit(0);
}
console.error(
  "The CLI's keychain tests need gnome-keyring and dbus-daemon (a Linux Secret Service). Install them — apt-get install gnome-keyring dbus-daemon — and run the tests again.",
);
process.exit(1);
