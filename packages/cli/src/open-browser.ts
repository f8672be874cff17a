import { spawn } from "node:child_process";

type Environment = Record<string, string | undefined>;

/**
 * Opens `url` in the person's browser without a shell: `$BROWSER` when set, else the
 * platform's opener (`open` on macOS, `xdg-open` elsewhere, `rundll32` on Windows). Failures are
 * ignored: the URL is always printed too, for machines without a browser.
 */
export function openBrowser(url: string, environment: Environment): void {
  const [command, ...args] = environment.BROWSER
    ? [environment.BROWSER, url]
    : process.platform === "darwin"
      ? ["open", url]
      : process.platform === "win32"
        ? ["rundll32", "url.dll,FileProtocolHandler", url]
        : ["xdg-open", url];
  try {
    const child = spawn(command as string, args, { detached: true, stdio: "ignore" });
    child.on("error", () => {});
    child.unref();
  } catch {
    // No browser here: the printed URL is the way.
  }
}
