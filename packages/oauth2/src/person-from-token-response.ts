import * as oauth from "oauth4webapi";
import { bearerAccessToken } from "./bearer-access-token.js";
import type { ResolvedSignInOptions } from "./sign-in-options.js";
import type { SignedInPerson } from "./signed-in-person.js";

/**
 * The {@link SignedInPerson} of a token endpoint's answer (already processed by oauth4webapi,
 * which validated any ID token). A refresh answer without a new refresh token keeps `previous`'s.
 */
export function personFromTokenResponse(
  result: oauth.TokenEndpointResponse,
  context: {
    options: ResolvedSignInOptions;
    what: string;
    status: number;
    sentAt: number;
    previous?: SignedInPerson;
  },
): SignedInPerson {
  const { options, previous } = context;
  const accessToken = bearerAccessToken(result, { ...context, secrets: [] });
  const refreshToken = result.refresh_token ?? previous?.refreshToken;
  const scope = result.scope ?? previous?.scope;
  const subject = subjectOf(result) ?? previous?.subject;
  return {
    issuer: options.issuer.href,
    clientId: options.clientId,
    accessToken,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(scope === undefined ? {} : { scope }),
    ...(subject === undefined ? {} : { subject }),
    ...(options.resources.length === 0 ? {} : { resource: options.resources }),
  };
}

/** The validated ID token's `sub` (informational: `status` shows it). */
function subjectOf(result: oauth.TokenEndpointResponse): string | undefined {
  return oauth.getValidatedIdTokenClaims(result)?.sub;
}
