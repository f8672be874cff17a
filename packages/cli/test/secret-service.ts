import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A private D-Bus session with gnome-keyring's Secret Service, unlocked, for one test file. */
export interface SecretService {
  /** DBUS_SESSION_BUS_ADDRESS and the HOME/XDG_DATA_HOME where its keyrings live. */
  environment: Record<string, string>;
  /** Where gnome-keyring keeps its keyring files. */
  keyringDirectory: string;
  close(): Promise<void>;
}

/** Starts `dbus-daemon --session` and `gnome-keyring-daemon --unlock` in a new home. */
export async function startSecretService(): Promise<SecretService> {
  const home = mkdtempSync(join(tmpdir(), "proxy-auth-keyring-"));
  const children: ChildProcess[] = [];
  const bus = spawn("dbus-daemon", ["--session", "--nofork", "--print-address=1"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  children.push(bus);
  const address = await new Promise<string>((resolve, reject) => {
    let text = "";
    bus.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
      if (text.includes("\n")) resolve(text.trim());
    });
    bus.once("exit", (code) => reject(new Error(`dbus-daemon exited ${code}`)));
  });
  const environment = {
    DBUS_SESSION_BUS_ADDRESS: address,
    HOME: home,
    XDG_DATA_HOME: join(home, "data"),
  };
  const keyring = spawn(
    "gnome-keyring-daemon",
    ["--unlock", "--components=secrets", "--foreground"],
    { stdio: ["pipe", "pipe", "ignore"], env: { PATH: process.env.PATH ?? "", ...environment } },
  );
  children.push(keyring);
  keyring.stdin?.end("test-keyring-password");
  // It prints its control variables once it serves the bus.
  await new Promise<void>((resolve, reject) => {
    keyring.stdout?.setEncoding("utf8").once("data", () => resolve());
    keyring.once("exit", (code) => reject(new Error(`gnome-keyring-daemon exited ${code}`)));
  });
  return {
    environment,
    keyringDirectory: join(home, "data", "keyrings"),
    close: async () => {
      for (const child of children.reverse()) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
