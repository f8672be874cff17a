import { ProxyAuthHandler } from "@proxy-auth/core";
import { expect, it } from "vitest";
import { createAuthFetch } from "./create-auth-fetch.js";

it("a Request's own signal is followed while the replay waits for a fresh token", async () => {
  let calls = 0;
  let secondCall: () => void = () => {};
  const secondCalled = new Promise<void>((resolve) => {
    secondCall = resolve;
  });
  const handler = new ProxyAuthHandler({
    credential: {
      getToken: () => {
        calls++;
        if (calls === 1) return { token: "first-token", expiresOn: Date.now() / 1000 + 3600 };
        secondCall();
        return new Promise(() => {}); // the identity provider never answers the replacement
      },
    },
    scope: "s",
    logger: { warn: () => {} },
  });
  // Our own seam: the transport answers 401 to the first token.
  const authFetch = createAuthFetch(handler, {
    fetch: async () => new Response("", { status: 401 }),
  });
  const controller = new AbortController();
  const request = new Request("https://proxy.example.com/v1/chat/completions", {
    method: "POST",
    body: "{}",
    signal: controller.signal,
  });
  const pending = authFetch(request);
  await secondCalled;
  const reason = new Error("the caller gave up");
  controller.abort(reason);
  await expect(pending).rejects.toBe(reason);
});
