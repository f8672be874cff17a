import { ConfigurationError, type ProxyAuthHandler } from "@proxy-auth/core";
import { isDPoPTokenType } from "@proxy-auth/core/internal";

/**
 * A function that resolves to the current token, for clients whose API key can be an async
 * function: the `openai` package's `apiKey`, `AzureOpenAI`'s `azureADTokenProvider`. They call it
 * on every request; the handler answers from its cache and refreshes ahead of expiry.
 * It rejects when no token can be had (a key function cannot send "no header"), and for a
 * DPoP-bound token, which needs a proof on every request that a key function cannot add: use
 * `createAuthFetch` as the client's `fetch` instead.
 *
 * @example
 * ```ts
 * import OpenAI from "openai";
 *
 * const openai = new OpenAI({ baseURL: "https://my-proxy.example.com", apiKey: createApiKeyProvider(handler) });
 * ```
 */
export function createApiKeyProvider(handler: ProxyAuthHandler): () => Promise<string> {
  return async () => {
    const token = await handler.getToken();
    if (isDPoPTokenType(token.tokenType)) {
      throw new ConfigurationError(
        "createApiKeyProvider: the credential issues DPoP-bound tokens, which need a proof on every request; a key function cannot add one. Pass createAuthFetch(handler) as the client's fetch instead.",
      );
    }
    return token.token;
  };
}
