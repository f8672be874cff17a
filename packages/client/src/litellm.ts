import type { ProxyAuthHandler } from "@proxy-auth/core";
import { optionError } from "@proxy-auth/core/internal";
import { bindCalls } from "./bind-calls.js";
import { type ClientOptions, callSettings, validateClientOptions } from "./client-options.js";
import { missingProxyBaseError } from "./missing-proxy-base.js";
import type { CompletionFunction, EmbeddingFunction } from "./proxy-client.js";

/**
 * LiteLLM's module-level settings (`litellm.proxy_auth = …` in Python), as one mutable object.
 * Each setting is checked when it is assigned: a wrong value throws `ConfigurationError` there,
 * not at the next call.
 */
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

/** What is set on {@link litellm}: each value checked when it is assigned. */
const settings: Pick<LitellmSettings, "proxyAuth" | "apiBase" | "apiKey" | "useLitellmProxy"> = {
  useLitellmProxy: false,
};

/**
 * Checks one assigned setting as `createClient()` checks it, and keeps what that makes of it
 * (`apiBase` without trailing slashes); `undefined` unsets it.
 */
function checked<K extends "proxyAuth" | "apiBase" | "apiKey">(
  name: K,
  value: LitellmSettings[K],
): LitellmSettings[K] {
  if (value === undefined) return undefined;
  return validateClientOptions({ [name]: value }, `litellm.${name}`)[name] as LitellmSettings[K];
}

/**
 * The options the global functions use right now: `litellm`'s fields (checked when they were
 * set), then the environment (checked here: it can change between calls).
 */
function currentOptions(): ClientOptions {
  const { proxyAuth, useLitellmProxy } = settings;
  let { apiBase, apiKey } = settings;
  const proxyMode = useLitellmProxy || environment("USE_LITELLM_PROXY")?.toLowerCase() === "true";
  if (proxyMode && (apiBase === undefined || apiKey === undefined)) {
    const fromEnvironment = validateClientOptions(
      {
        ...(apiBase === undefined ? { apiBase: environment("LITELLM_PROXY_API_BASE") } : {}),
        ...(apiKey === undefined ? { apiKey: environment("LITELLM_PROXY_API_KEY") } : {}),
      },
      "litellm (LITELLM_PROXY_API_BASE, LITELLM_PROXY_API_KEY)",
    );
    apiBase ??= fromEnvironment.apiBase;
    apiKey ??= fromEnvironment.apiKey;
  }
  return {
    ...(proxyAuth === undefined ? {} : { proxyAuth }),
    ...(apiBase === undefined ? {} : { apiBase }),
    ...(apiKey === undefined ? {} : { apiKey }),
  };
}

const calls = bindCalls((options, where) => {
  const current = currentOptions();
  const callBase = (options as { apiBase?: unknown } | null | undefined)?.apiBase;
  if (current.apiBase === undefined && callBase === undefined) {
    const turnedOnBy = settings.useLitellmProxy
      ? "litellm.useLitellmProxy = true"
      : environment("USE_LITELLM_PROXY")?.toLowerCase() === "true"
        ? "USE_LITELLM_PROXY=true"
        : undefined;
    if (turnedOnBy !== undefined) throw missingProxyBaseError(where, turnedOnBy);
  }
  return callSettings(current, options, where);
});

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
  get proxyAuth() {
    return settings.proxyAuth;
  },
  set proxyAuth(value) {
    settings.proxyAuth = checked("proxyAuth", value);
  },
  get apiBase() {
    return settings.apiBase;
  },
  set apiBase(value) {
    settings.apiBase = checked("apiBase", value);
  },
  get apiKey() {
    return settings.apiKey;
  },
  set apiKey(value) {
    settings.apiKey = checked("apiKey", value);
  },
  get useLitellmProxy() {
    return settings.useLitellmProxy;
  },
  set useLitellmProxy(value) {
    if (typeof value !== "boolean")
      throw optionError("litellm", "useLitellmProxy", "true or false", value);
    settings.useLitellmProxy = value;
  },
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
