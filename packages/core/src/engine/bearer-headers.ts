import { ConfigurationError } from "../errors.js";
import { isDPoPTokenType } from "../shared/dpop-request.js";
import type { ScheduledToken } from "./token-schedule.js";

/**
 * `{ Authorization: "Bearer <token>" }` for `getAuthHeaders()`. A DPoP-bound token cannot be
 * sent that way (each request needs its own proof, and the proxy refuses it as a bearer token).
 *
 * @throws {@link ConfigurationError} for a DPoP-bound token, naming what to use instead.
 */
export function bearerHeaders(scheduled: ScheduledToken): Record<string, string> {
  if (isDPoPTokenType(scheduled.accessToken.tokenType)) {
    throw new ConfigurationError(
      "getAuthHeaders() cannot carry a DPoP-bound token: each request needs its own proof. Send requests through completion()/embedding(), createAuthFetch or proxy-auth serve, which add proofs.",
    );
  }
  return { Authorization: scheduled.authorization };
}
