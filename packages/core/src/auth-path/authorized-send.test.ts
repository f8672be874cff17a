import { describe, expect, it } from "vitest";
import { TokenAcquisitionError } from "../errors.js";
import { ProxyAuthHandler } from "../proxy-auth-handler.js";
import type { TokenCredential } from "../token-credential.js";
import { type AuthorizedSendOptions, authorizedSend } from "./authorized-send.js";

/** A credential handing out t1, t2, … (or failing), and a proxy that accepts the tokens in `good`. */
function setup(good: (token: string) => boolean, fail = false) {
  let issued = 0;
  const credential: TokenCredential = {
    getToken: async () => {
      if (fail) throw new TokenAcquisitionError("invalid_client", { retryable: false });
      issued++;
      return { token: `t${issued}`, expiresOn: Date.now() / 1000 + 3600 };
    },
  };
  const handler = new ProxyAuthHandler({ credential, scope: "s", logger: { warn: () => {} } });
  const sent: (string | undefined)[] = [];
  const options = (extra: Partial<AuthorizedSendOptions<number>> = {}) => ({
    handler,
    headerValue: (token: string) => `Bearer ${token}`,
    replayable: true,
    send: async (header: string | undefined) => {
      sent.push(header);
      return header !== undefined && good(header.slice(7)) ? 200 : 401;
    },
    status: (status: number) => status,
    discard: () => {},
    ...extra,
  });
  return { handler, sent, options, issued: () => issued };
}

describe("authorizedSend (the one auth path)", () => {
  it("sends the token, and after a 401 invalidates it and replays once with a fresh one", async () => {
    const { sent, options } = setup((token) => token !== "t1");
    const replays: number[] = [];
    const result = await authorizedSend(options({ onReplay: () => replays.push(1) }));
    expect(sent).toEqual(["Bearer t1", "Bearer t2"]);
    expect(result).toMatchObject({
      response: 200,
      token: "t2",
      replayed: true,
      refusedFresh: false,
    });
    expect(replays).toHaveLength(1);
  });

  it("a fresh token refused too is not replaced again (one grant, not one per call)", async () => {
    const { sent, options, issued } = setup(() => false);
    const first = await authorizedSend(options());
    expect(first).toMatchObject({ response: 401, token: "t2", replayed: true, refusedFresh: true });
    const second = await authorizedSend(options());
    expect(second).toMatchObject({
      response: 401,
      token: "t2",
      replayed: false,
      refusedFresh: true,
    });
    expect(sent).toEqual(["Bearer t1", "Bearer t2", "Bearer t2"]);
    expect(issued()).toBe(2);
  });

  it("a body that cannot be sent twice is not replayed, but the refused token is dropped", async () => {
    const { sent, options } = setup((token) => token !== "t1");
    const result = await authorizedSend(options({ replayable: false }));
    expect(result).toMatchObject({ response: 401, token: "t1", replayed: false });
    await authorizedSend(options());
    expect(sent).toEqual(["Bearer t1", "Bearer t2"]);
  });

  it('"warn": goes on with the fallback and hands back the token failure as the cause', async () => {
    const { sent, options } = setup(() => true, true);
    const fallbacks: string[] = [];
    const result = await authorizedSend(
      options({ fallback: "Bearer sk-static", onFallback: (error) => fallbacks.push(error.code) }),
    );
    expect(sent).toEqual(["Bearer sk-static"]);
    expect(result.tokenError?.message).toMatch(/invalid_client/);
    expect(fallbacks).toEqual(["TOKEN_ACQUISITION_FAILED"]);
  });

  it("a 401 whose replacement cannot be had: the first answer stands, with the failure as cause", async () => {
    let calls = 0;
    const credential: TokenCredential = {
      getToken: async () => {
        if (++calls > 1) throw new TokenAcquisitionError("invalid_client", { retryable: false });
        return { token: "t1", expiresOn: Date.now() / 1000 + 3600 };
      },
    };
    const handler = new ProxyAuthHandler({ credential, scope: "s", logger: { warn: () => {} } });
    const discarded: number[] = [];
    const result = await authorizedSend({
      handler,
      headerValue: (token) => `Bearer ${token}`,
      replayable: true,
      send: async () => 401,
      status: (status) => status,
      discard: (status) => {
        discarded.push(status);
      },
    });
    expect(result).toMatchObject({ response: 401, token: "t1", replayed: false });
    expect(result.tokenError?.message).toMatch(/invalid_client/);
    // The answer handed back was not thrown away.
    expect(discarded).toEqual([]);
  });

  it('"throw" rejects with the token failure, and an aborted signal with its reason', async () => {
    const failing: TokenCredential = {
      getToken: async () => {
        throw new TokenAcquisitionError("invalid_client", { retryable: false });
      },
    };
    const handler = new ProxyAuthHandler({
      credential: failing,
      scope: "s",
      onTokenError: "throw",
      logger: { warn: () => {} },
    });
    const base = {
      headerValue: (token: string) => token,
      replayable: true,
      send: async () => 200,
      status: (status: number) => status,
      discard: () => {},
    };
    await expect(authorizedSend({ ...base, handler })).rejects.toThrow(/invalid_client/);
    const { options } = setup(() => true);
    const reason = new Error("stop");
    await expect(authorizedSend(options({ signal: AbortSignal.abort(reason) }))).rejects.toBe(
      reason,
    );
  });

  it("without a handler, sends the static key and never replays", async () => {
    const sent: (string | undefined)[] = [];
    const result = await authorizedSend({
      handler: undefined,
      headerValue: (token) => token,
      fallback: "Bearer sk-static",
      replayable: true,
      send: async (header) => {
        sent.push(header);
        return 401;
      },
      status: (status) => status,
      discard: () => {},
    });
    expect(sent).toEqual(["Bearer sk-static"]);
    expect(result.replayed).toBe(false);
  });
});
