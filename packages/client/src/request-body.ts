import { ConfigurationError } from "@proxy-auth/core";

/**
 * The JSON body of a request: its fields as given, with the fields of `extra_body` (the
 * explicit escape hatch for provider-specific parameters) at the top level, as the `openai`
 * package sends them; `extra_body` itself is not sent. The caller's object is not changed.
 *
 * @throws `ConfigurationError` when `extra_body` is not a plain object.
 */
export function requestBody<T extends { model: string }>(request: T, where: string): T {
  if (!("extra_body" in request)) return request;
  const { extra_body: extra, ...known } = request as T & { extra_body?: unknown };
  if (extra === undefined || extra === null) return known as T;
  if (typeof extra !== "object" || Array.isArray(extra)) {
    throw new ConfigurationError(
      `${where}: "extra_body" must be an object whose fields are sent with the request.`,
    );
  }
  return { ...known, ...extra } as T;
}
