/**
 * Whether `hostname` (as `URL.hostname` spells it) can only be this machine: `localhost`,
 * `127.0.0.0/8` or `[::1]`. Names under `.localhost` do not count: they are resolved by DNS
 * on many systems, so their traffic can leave the machine.
 *
 * @example
 * ```ts
 * isLoopbackHost(new URL("http://127.0.0.1:8080").hostname); // true
 * isLoopbackHost("idp.localhost"); // false
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === "localhost" ||
    hostname === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/**
 * The one rule for where a credential may be sent: over https, or over http to this machine
 * only ({@link isLoopbackHost}).
 */
export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
}
