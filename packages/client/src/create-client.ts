import { bindCalls } from "./bind-calls.js";
import { type ClientOptions, callSettings, validateClientOptions } from "./client-options.js";
import type { ProxyClient } from "./proxy-client.js";

/**
 * The same calls as the global `litellm` object, without global state: the recommended form
 * inside libraries and servers.
 *
 * @example
 * ```ts
 * const client = createClient({ apiBase: "https://my-proxy.example.com", proxyAuth: handler });
 * const response = await client.completion({ model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] });
 * console.log(response.choices[0]?.message.content);
 * ```
 */
export function createClient(options: ClientOptions): ProxyClient {
  const client = validateClientOptions(options, "createClient()");
  return bindCalls((call, where) => callSettings(client, call, where));
}
