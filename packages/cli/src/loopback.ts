import { isIP } from "node:net";

/**
 * Whether a host name or address (as `URL.hostname` or a `Host` header spells it, brackets
 * allowed) can only be this machine: `localhost`, `*.localhost`, 127.0.0.0/8, ::1.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (isIP(name) === 4) return name.startsWith("127.");
  return name === "::1" || name === "0:0:0:0:0:0:0:1";
}

/** The host name of a `Host` header (`name:port`, `[v6]:port`), or undefined when malformed. */
export function hostOfHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  try {
    return new URL(`http://${header}`).hostname;
  } catch {
    return undefined;
  }
}
