import { isIP } from "node:net";
import { isLoopbackHost } from "@proxy-auth/core";

/**
 * Whether an address to listen on (`127.0.0.1`, `::1`, `localhost`: no brackets) can only be
 * reached from this machine, by core's loopback rule.
 */
export function isLoopbackAddress(address: string): boolean {
  return isLoopbackHost(isIP(address) === 6 ? `[${address}]` : address.toLowerCase());
}

/** The host name of a `Host` header (`name:port`, `[v6]:port`), as `URL.hostname` spells it. */
export function hostOfHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  try {
    return new URL(`http://${header}`).hostname;
  } catch {
    return undefined;
  }
}
