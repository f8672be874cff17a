import type { Logger } from "@proxy-auth/core";
import { describeAudienceAndScope } from "./token-claims.js";

/** What the forwarder tells the explainer about each answered request. */
export interface RefusedTokenExplainer {
  /**
   * One answered request: its status, whether the target refused a freshly issued token
   * (`authorizedSend`'s `refusedFresh`), and the token sent.
   */
  observe(status: number, refusedFresh: boolean, token: string | undefined): void;
}

/**
 * Explains, once per episode, why the target refuses tokens the identity provider has just
 * issued (the same fault the TypeScript client reports: another scope or audience is expected),
 * with what the refused token was issued for. An episode ends when the target accepts a
 * request again, so a fixed configuration followed by a new fault is explained anew.
 *
 * @param logger - Where the explanation goes (stderr for the command line).
 * @param target - The target's URL, for the message.
 */
export function createRefusedTokenExplainer(
  logger: Logger | undefined,
  target: string,
): RefusedTokenExplainer {
  let explained = false;
  return {
    observe(status, refusedFresh, token) {
      if (status !== 401) {
        if (status < 400) explained = false;
        return;
      }
      if (!refusedFresh || explained || token === undefined) return;
      explained = true;
      logger?.warn(
        `The target ${target} refuses freshly issued tokens (401 for a token just obtained from the identity provider, issued for ${describeAudienceAndScope(token)}): check that the scope (--scope or PROXY_AUTH_SCOPE) and audience (PROXY_AUTH_AUDIENCE) are the ones the proxy expects. Clients get the target's 401 until this is fixed; this is said once until the target accepts a token again.`,
      );
    },
  };
}
