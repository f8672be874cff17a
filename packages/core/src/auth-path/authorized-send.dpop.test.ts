import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../errors.js";
import { ProxyAuthHandler } from "../proxy-auth-handler.js";
import { createDPoPProver, DPOP_PROVER } from "../shared/dpop-prover.js";
import type { TokenCredential } from "../token-credential.js";
import { type AuthorizedSendOptions, authorizedSend } from "./authorized-send.js";

const claimsOf = (proof: string | undefined) =>
  JSON.parse(atob((proof ?? "").split(".")[1]?.replace(/-/g, "+").replace(/_/g, "/") ?? "")) as {
    nonce?: string;
    htm: string;
    htu: string;
    jti: string;
  };

interface Answer {
  status: number;
  headers: Record<string, string>;
}

/** A DPoP credential (tokens t1, t2, … typed `tokenType`) and a server answering by `answer`. */
async function setup(answer: (sent: number) => Answer, tokenType = "DPoP", withProver = true) {
  let issued = 0;
  const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
    "verify",
  ]);
  const prover = createDPoPProver(keyPair);
  const credential: TokenCredential = {
    getToken: async () => {
      issued++;
      return { token: `t${issued}`, expiresOn: Date.now() / 1000 + 3600, tokenType };
    },
  };
  if (withProver) Object.defineProperty(credential, DPOP_PROVER, { value: () => prover });
  const handler = new ProxyAuthHandler({ credential, scope: "s", logger: { warn: () => {} } });
  const sent: { header: string | undefined; proof: string | undefined }[] = [];
  const options = (): AuthorizedSendOptions<Answer> => ({
    handler,
    headerValue: (token: string) => `Bearer ${token}`,
    replayable: true,
    method: "POST",
    url: "https://proxy.example.com/v1/chat/completions?q=1",
    send: async (header, _replay, proof) => {
      sent.push({ header, proof });
      return answer(sent.length);
    },
    status: (response) => response.status,
    header: (response, name) => response.headers[name],
    discard: () => {},
  });
  return { sent, options, issued: () => issued };
}

const ok: Answer = { status: 200, headers: {} };
const nonceChallenge = (nonce: string): Answer => ({
  status: 401,
  headers: {
    "www-authenticate":
      'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
    "dpop-nonce": nonce,
  },
});

describe("authorizedSend with DPoP-bound tokens", () => {
  it("sends Authorization: DPoP <token> with a proof of the method and URL", async () => {
    const { sent, options } = await setup(() => ok);
    const result = await authorizedSend(options());
    expect(result).toMatchObject({ response: ok, token: "t1", replayed: false });
    expect(sent[0]?.header).toBe("DPoP t1");
    expect(claimsOf(sent[0]?.proof)).toMatchObject({
      htm: "POST",
      htu: "https://proxy.example.com/v1/chat/completions",
    });
  });

  it("answers the resource server's use_dpop_nonce once, remembers the nonce, keeps the token", async () => {
    const { sent, options, issued } = await setup((count) =>
      count === 1 ? nonceChallenge("n-1") : ok,
    );
    const result = await authorizedSend(options());
    expect(result.response.status).toBe(200);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.header).toBe("DPoP t1");
    expect(claimsOf(sent[0]?.proof).nonce).toBeUndefined();
    expect(claimsOf(sent[1]?.proof).nonce).toBe("n-1");
    expect(claimsOf(sent[1]?.proof).jti).not.toBe(claimsOf(sent[0]?.proof).jti);
    // The next call starts with the remembered nonce: no challenge round trip.
    await authorizedSend(options());
    expect(claimsOf(sent[2]?.proof).nonce).toBe("n-1");
    expect(issued()).toBe(1);
  });

  it("a rotated nonce (a new challenge later) is answered once again, with the new nonce", async () => {
    const { sent, options, issued } = await setup((count) =>
      count === 1 ? nonceChallenge("n-1") : count === 3 ? nonceChallenge("n-2") : ok,
    );
    await authorizedSend(options());
    const second = await authorizedSend(options());
    expect(second.response.status).toBe(200);
    expect(sent.map((entry) => claimsOf(entry.proof).nonce)).toEqual([
      undefined,
      "n-1",
      "n-1",
      "n-2",
    ]);
    expect(issued()).toBe(1);
  });

  it("one nonce retry per attempt: a server that keeps challenging gets no loop", async () => {
    let nonce = 0;
    const { sent, options } = await setup(() => nonceChallenge(`n-${++nonce}`));
    const result = await authorizedSend(options());
    expect(result.response.status).toBe(401);
    // First token + its nonce retry, then the 401 replay with a fresh token + its nonce retry.
    expect(sent.map((entry) => entry.header)).toEqual(["DPoP t1", "DPoP t1", "DPoP t2", "DPoP t2"]);
  });

  it("a nonce without the challenge is remembered but not retried; a 401 without it is a token refusal", async () => {
    const { sent, options, issued } = await setup((count) =>
      count === 1 ? { status: 401, headers: { "dpop-nonce": "n-9" } } : ok,
    );
    await authorizedSend(options());
    // The 401 invalidated t1: the replay carries t2 and the nonce.
    expect(sent.map((entry) => entry.header)).toEqual(["DPoP t1", "DPoP t2"]);
    expect(claimsOf(sent[1]?.proof).nonce).toBe("n-9");
    expect(issued()).toBe(2);
  });

  it("a Bearer token from a DPoP credential (an allowed downgrade) goes as Bearer, without a proof", async () => {
    const { sent, options } = await setup(() => ok, "Bearer");
    await authorizedSend(options());
    expect(sent[0]).toEqual({ header: "Bearer t1", proof: undefined });
  });

  it("a DPoP-typed token from a credential without a key is a ConfigurationError, never sent", async () => {
    const { sent, options } = await setup(() => ok, "dpop", false);
    await expect(authorizedSend(options())).rejects.toThrow(ConfigurationError);
    expect(sent).toHaveLength(0);
  });
});

describe("getAuthHeaders() with a DPoP-bound token", () => {
  it("rejects with a ConfigurationError naming the clients that add proofs", async () => {
    const credential: TokenCredential = {
      getToken: () => ({ token: "t", expiresOn: Date.now() / 1000 + 3600, tokenType: "DPoP" }),
    };
    const handler = new ProxyAuthHandler({ credential, scope: "s" });
    await expect(handler.getAuthHeaders()).rejects.toThrow(ConfigurationError);
    // Also from the cached path.
    await expect(handler.getAuthHeaders()).rejects.toThrow(/createAuthFetch/);
  });
});
