import { ConfigurationError } from "@proxy-auth/core";

/**
 * The error of a global call in LiteLLM proxy mode without a proxy address: proxy mode is
 * already on (say which setting turned it on), so the missing piece is
 * `LITELLM_PROXY_API_BASE` (or an explicit `apiBase`).
 *
 * @param where - The call, e.g. `"completion()"`.
 * @param turnedOnBy - What turned proxy mode on.
 */
export function missingProxyBaseError(
  where: string,
  turnedOnBy: "litellm.useLitellmProxy = true" | "USE_LITELLM_PROXY=true",
): ConfigurationError {
  return new ConfigurationError(
    `${where}: ${turnedOnBy} routes calls to LITELLM_PROXY_API_BASE, which is not set. Set LITELLM_PROXY_API_BASE in the environment (e.g. "https://my-proxy.example.com"), or set litellm.apiBase, or pass { apiBase } with the call.`,
  );
}
