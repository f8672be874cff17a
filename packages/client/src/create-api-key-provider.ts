import type { ProxyAuthHandler } from "@proxy-auth/core";

/**
 * A function that resolves to the current token, for clients whose API key can be an async
 * function: the `openai` package's `apiKey`, `AzureOpenAI`'s `azureADTokenProvider`. They call it
 * on every request; the handler answers from its cache and refreshes ahead of expiry.
 * It rejects when no token can be had (a key function cannot send "no header").
 *
 * @example
 * ```ts
 * import OpenAI from "openai";
 *
 * const openai = new OpenAI({ baseURL: "https://my-proxy.example.com", apiKey: createApiKeyProvider(handler) });
 * ```
 */
export function createApiKeyProvider(handler: ProxyAuthHandler): () => Promise<string> {
  return async () => (await handler.getToken()).token;
}
