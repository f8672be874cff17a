import { isLoopbackHost, type Logger } from "@proxy-auth/core";

/**
 * Warns (once per client) when a credential is about to travel unencrypted: an `http://` proxy
 * that is not on this machine. Allowed, since in-cluster proxies are often plain http, but a
 * token sent that way can be read and replayed by anyone on the path.
 */
export function warnIfPlainHttp(
  base: string,
  sendsCredential: boolean,
  logger: Logger,
  warned: Set<string>,
): void {
  if (!sendsCredential || !base.startsWith("http:")) return;
  const url = new URL(base);
  if (isLoopbackHost(url.hostname) || warned.size > 0) return;
  warned.add(url.origin);
  logger.warn(
    `The proxy at ${url.origin} is plain http and not on this machine: bearer tokens are sent to it unencrypted. Use https unless the network path is trusted.`,
  );
}
