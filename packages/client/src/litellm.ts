import type { ProxyAuthHandler } from "@proxy-auth/core";
import { type ClientOptions, callSettings, validateClientOptions } from "./client-options.js";
import { bindCalls, type CompletionFunction, type EmbeddingFunction } from "./create-client.js";

/** LiteLLM's module-level settings (`litellm.proxy_auth = …` in Python), as one mutable object. */
export interface LitellmSettings {
  /** Token handler: every call carries `Authorization: Bearer <token>`. */
  proxyAuth?: ProxyAuthHandler;
  /** The proxy's base URL. */
  apiBase?: string;
  /** A static key: used without `proxyAuth`, or as the fallback when token retrieval fails in "warn" mode. */
  apiKey?: string;
  /**
   * Route calls to `LITELLM_PROXY_API_BASE` (key: `LITELLM_PROXY_API_KEY`) when `apiBase` is not
   * set. The environment variable `USE_LITELLM_PROXY=true` also turns it on.
   */
  useLitellmProxy: boolean;
  completion: CompletionFunction;
  acompletion: CompletionFunction;
  embedding: EmbeddingFunction;
  aembedding: EmbeddingFunction;
}

/**
 * An environment variable, when the runtime has them. Deno without `--allow-env` refuses the read
 * (NotCapable, PermissionDenied before Deno 2): the program was given no environment, so the
 * variable counts as unset instead of failing every call.
 */
function environment(name: string): string | undefined {
  try {
    return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
      ?.env?.[name];
  } catch (error) {
    const denied = error instanceof Error && /^(NotCapable|PermissionDenied)$/.test(error.name);
    if (denied) return undefined;
    throw error;
  }
}

/** The options the global functions use right now: `litellm`'s fields, then the environment. */
function currentOptions(): ClientOptions {
  const proxyMode =
    litellm.useLitellmProxy || environment("USE_LITELLM_PROXY")?.toLowerCase() === "true";
  const apiBase =
    litellm.apiBase ?? (proxyMode ? environment("LITELLM_PROXY_API_BASE") : undefined);
  const apiKey = litellm.apiKey ?? (proxyMode ? environment("LITELLM_PROXY_API_KEY") : undefined);
  return validateClientOptions(
    {
      ...(litellm.proxyAuth === undefined ? {} : { proxyAuth: litellm.proxyAuth }),
      ...(apiBase === undefined ? {} : { apiBase }),
      ...(apiKey === undefined ? {} : { apiKey }),
    },
    "litellm",
  );
}

const calls = bindCalls((options, where) => callSettings(currentOptions(), options, where));

/**
 * LiteLLM's global form: set `litellm.proxyAuth` and `litellm.apiBase` once, then call
 * `completion()` / `embedding()` anywhere.
 *
 * @example
 * ```ts
 * litellm.proxyAuth = new ProxyAuthHandler({ credential, scope: "api://my-litellm-proxy/.default" });
 * litellm.apiBase = "https://my-proxy.example.com";
 * const response = await litellm.completion({ model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] });
 * ```
 */
export const litellm: LitellmSettings = {
  useLitellmProxy: false,
  ...calls,
};

/** A chat completion through the globally configured proxy (see {@link litellm}). */
export const completion: CompletionFunction = calls.completion;
/** Embeddings through the globally configured proxy (see {@link litellm}). */
export const embedding: EmbeddingFunction = calls.embedding;
/** LiteLLM's async twin of {@link completion}: the same function. */
export const acompletion: CompletionFunction = calls.completion;
/** LiteLLM's async twin of {@link embedding}: the same function. */
export const aembedding: EmbeddingFunction = calls.embedding;
