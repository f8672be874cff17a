/** An OAuth 2.0 error answer of the token endpoint. */
export interface TokenErrorBody {
  error: "invalid_scope" | "invalid_target";
  error_description: string;
}

/**
 * What the test identity provider enforces, as real providers do, so a user can rehearse the
 * "wrong scope" and "wrong audience" mistakes: every requested scope must be registered
 * (`invalid_scope` otherwise, where oidc-provider alone would drop an unknown scope and issue a
 * token anyway), and every requested `resource` (RFC 8707) or `audience` (Auth0's parameter)
 * must be a known audience (`invalid_target` otherwise, as Auth0's "Service not found" or
 * Entra's AADSTS500011).
 *
 * @param params - The token request's form parameters (a repeated parameter as an array).
 * @param scopes - The registered scopes.
 * @param audiences - The audiences (resource servers) tokens may be issued for.
 * @returns The error to answer, or undefined when the request may go on.
 */
export function refusedScopeOrAudience(
  params: Record<string, unknown>,
  scopes: readonly string[],
  audiences: readonly string[],
): TokenErrorBody | undefined {
  const values = (name: string) =>
    ([] as unknown[]).concat(params[name] ?? []).filter((value) => typeof value === "string");
  const requested = values("scope").flatMap((scope) => (scope as string).split(" "));
  const unknownScope = requested.find((scope) => scope !== "" && !scopes.includes(scope));
  if (unknownScope !== undefined) {
    return {
      error: "invalid_scope",
      error_description: `The scope "${unknownScope}" is not registered at this provider (registered: ${scopes.join(", ")}).`,
    };
  }
  for (const name of ["resource", "audience"]) {
    const unknown = values(name).find((value) => !audiences.includes(value as string));
    if (unknown !== undefined) {
      return {
        error: "invalid_target",
        error_description: `The ${name} "${unknown}" is not an audience of this provider (known: ${audiences.join(", ")}).`,
      };
    }
  }
  return undefined;
}
