import type { Logger } from "@proxy-auth/core";
import { plainHttpWarning } from "@proxy-auth/core/internal";

/**
 * Warns once per client when a credential is about to travel unencrypted (core's one rule,
 * `plainHttpWarning`: an `http://` proxy that is not on this machine).
 */
export function warnIfPlainHttp(
  base: string,
  sendsCredential: boolean,
  logger: Logger,
  warned: Set<string>,
): void {
  if (!sendsCredential || warned.size > 0) return;
  const url = new URL(base);
  const warning = plainHttpWarning(url);
  if (warning === undefined) return;
  warned.add(url.origin);
  logger.warn(`The proxy at ${warning}`);
}
