import { isLoopbackHost } from "../loopback-host.js";

/**
 * The one rule for warning about a credential that will travel unencrypted: `url` is plain
 * `http:` to a host that is not this machine ({@link isLoopbackHost}). Allowed — in-cluster
 * proxies are often plain http — but a token sent that way can be read and replayed by anyone
 * on the path. Returns the warning to log, or undefined when there is nothing to warn about.
 *
 * @example
 * ```ts
 * import { plainHttpWarning } from "@proxy-auth/core/internal";
 *
 * plainHttpWarning(new URL("http://10.0.0.5:4000")); // "http://10.0.0.5:4000 is plain http …"
 * plainHttpWarning(new URL("http://127.0.0.1:4000")); // undefined
 * ```
 */
export function plainHttpWarning(url: URL): string | undefined {
  if (url.protocol !== "http:" || isLoopbackHost(url.hostname)) return undefined;
  return `${url.origin} is plain http and not on this machine: the token is sent to it unencrypted, where anyone on the path can read and replay it. Use https unless the network path is trusted.`;
}
