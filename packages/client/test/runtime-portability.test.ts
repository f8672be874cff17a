// What other runtimes require of the client, checked on Node (tests/runtimes runs the real ones).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, litellm } from "../src/index.js";
import { type Deployment, hello, startDeployment } from "./fixtures.js";

let deployment: Deployment;
beforeAll(async () => {
  deployment = await startDeployment();
});
afterAll(() => deployment.close());
afterEach(() => {
  litellm.proxyAuth = undefined;
  litellm.apiBase = undefined;
});

describe("on runtimes other than Node", () => {
  it("calls fetch as a plain function: workerd's fetch refuses any other `this`", async () => {
    const calls: unknown[] = [];
    // Like workerd's fetch: "Illegal invocation" when called as a method of another object.
    const strictFetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
      calls.push(this);
      if (this !== undefined && this !== globalThis) {
        return Promise.reject(new TypeError("Illegal invocation"));
      }
      return fetch(input, init);
    };
    const client = createClient({
      apiBase: deployment.proxy.url,
      proxyAuth: deployment.handler(),
      fetch: strictFetch as typeof fetch,
    });
    const response = await client.completion(hello);
    expect(response.choices[0]?.message.content).toBe("Echo: Hello!");
    expect(calls).toEqual([undefined]);
  });

  it("treats environment variables it may not read (Deno without --allow-env) as unset", async () => {
    const env = process.env;
    const denied = Object.assign(new Error('Requires env access to "USE_LITELLM_PROXY"'), {
      name: "NotCapable",
    });
    process.env = new Proxy(env, {
      get: (target, name) => {
        if (typeof name === "string" && /LITELLM/.test(name)) throw denied;
        return Reflect.get(target, name);
      },
    });
    try {
      litellm.proxyAuth = deployment.handler();
      litellm.apiBase = deployment.proxy.url;
      const response = await litellm.completion(hello);
      expect(response.choices[0]?.message.content).toBe("Echo: Hello!");
    } finally {
      process.env = env;
    }
  });

  it("lets any other error from reading the environment through", async () => {
    const env = process.env;
    process.env = new Proxy(env, {
      get: (target, name) => {
        if (name === "USE_LITELLM_PROXY") throw new RangeError("broken environment");
        return Reflect.get(target, name);
      },
    });
    try {
      litellm.apiBase = deployment.proxy.url;
      await expect(litellm.completion(hello)).rejects.toThrow("broken environment");
    } finally {
      process.env = env;
    }
  });
});
