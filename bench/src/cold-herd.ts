import { getBearerTokenProvider } from "@azure/identity";
import { ProxyAuthHandler } from "@proxy-auth/core";
import type { Section } from "./report.js";

const SCOPE = "api://my-litellm-proxy/.default";
const CALLERS = 10_000;

/**
 * Benchmark 2: a cold herd. 10,000 concurrent first calls against a credential that takes
 * 50 ms: how many calls reach the identity provider, and how long the herd takes.
 */
export async function coldHerd(): Promise<Section> {
  const slowToken = <T>(value: () => T) =>
    new Promise<T>((resolve) => setTimeout(() => resolve(value()), 50));

  let ourCalls = 0;
  const handler = new ProxyAuthHandler({
    credential: {
      getToken: () => {
        ourCalls++;
        return slowToken(() => ({ token: `t${ourCalls}`, expiresOn: Date.now() / 1000 + 3600 }));
      },
    },
    scope: SCOPE,
  });
  let azureCalls = 0;
  const azureProvider = getBearerTokenProvider(
    {
      getToken: () => {
        azureCalls++;
        return slowToken(() => ({
          token: `a${azureCalls}`,
          expiresOnTimestamp: Date.now() + 3_600_000,
        }));
      },
    },
    SCOPE,
  );

  const herd = async (call: () => Promise<unknown>) => {
    const started = performance.now();
    await Promise.all(Array.from({ length: CALLERS }, call));
    return performance.now() - started;
  };
  const ourMs = await herd(() => handler.getAuthHeaders());
  const azureMs = await herd(azureProvider);
  return {
    title: "2. Cold herd",
    description: `${CALLERS.toLocaleString("en")} concurrent first calls; the credential answers after 50 ms. Target: 1 call to the identity provider.`,
    table: [
      ["implementation", "identity-provider calls", "herd done in"],
      ["proxy-auth ProxyAuthHandler", String(ourCalls), `${ourMs.toFixed(0)} ms`],
      ["@azure/identity getBearerTokenProvider", String(azureCalls), `${azureMs.toFixed(0)} ms`],
    ],
    notes: [
      `proxy-auth made ${ourCalls} call(s) (target 1): ${ourCalls === 1 ? "met" : "NOT met"}.`,
    ],
  };
}
