import { isLoopbackHost } from "@proxy-auth/core";
import * as oauth from "oauth4webapi";
import { discoverAuthorizationServer } from "./discover-authorization-server.js";
import { resolveSignInOptions, type SignInOptions } from "./sign-in-options.js";
import { send, step } from "./sign-in-request.js";
import type { SignedInPerson } from "./signed-in-person.js";
import { responseFailure } from "./token-endpoint-failure.js";

/** Options of {@link revokeSignIn}. */
export type RevokeSignInOptions = Omit<SignInOptions, "issuer" | "clientId" | "scope">;

/**
 * Revokes a person's refresh token at the provider (RFC 7009), which ends the sign-in there
 * (most providers revoke the tokens issued with it too).
 *
 * @returns `true` when the provider revoked it, `false` when it offers no revocation endpoint
 *   (then only forgetting the sign-in is possible) or there is no refresh token.
 * @throws `TokenAcquisitionError` when the provider refused or could not be reached.
 * @example
 * ```ts
 * const store = createMemorySignInStore();
 * const person = await store.load();
 * if (person !== undefined) await revokeSignIn(person);
 * await store.clear();
 * ```
 */
export async function revokeSignIn(
  person: SignedInPerson,
  options: RevokeSignInOptions = {},
): Promise<boolean> {
  const resolved = resolveSignInOptions("revokeSignIn", {
    ...options,
    issuer: person.issuer,
    clientId: person.clientId,
    scope: person.scope || "-",
  });
  const refreshToken = person.refreshToken;
  if (refreshToken === undefined) return false;
  const server = await step(resolved, (deadline) =>
    discoverAuthorizationServer(resolved.issuer, {
      owner: "revokeSignIn",
      fetch: resolved.fetch,
      timeoutMs: resolved.timeoutMs,
      secrets: [refreshToken],
      endpoints: [],
      optionalEndpoints: ["revocation_endpoint"],
      deadline,
      callerSignal: resolved.signal,
    }),
  );
  if (typeof server.revocation_endpoint !== "string") return false;
  const what = `revocation endpoint of ${resolved.issuer.origin}`;
  const client: oauth.Client = { client_id: resolved.clientId };
  await step(resolved, async (deadline) => {
    const response = await send(resolved, deadline, what, () =>
      oauth.revocationRequest(server, client, oauth.None(), refreshToken, {
        additionalParameters: { token_type_hint: "refresh_token" },
        signal: deadline.signal,
        [oauth.customFetch]: resolved.fetch,
        [oauth.allowInsecureRequests]: isLoopbackHost(resolved.issuer.hostname),
      }),
    );
    try {
      await oauth.processRevocationResponse(response);
    } catch (error) {
      throw await responseFailure(error, response, what, [refreshToken, person.accessToken.token]);
    }
  });
  return true;
}
