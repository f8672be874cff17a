import { ConfigurationError, TokenAcquisitionError } from "@proxy-auth/core";
import {
  actAsPerson,
  DEFAULT_SIGN_IN_CLIENT,
  type IdentityProvider,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeviceCodePrompt, signInWithDeviceCode } from "./sign-in-with-device-code.js";

let idp: IdentityProvider;
beforeAll(async () => {
  idp = await startIdentityProvider({ signInClients: [DEFAULT_SIGN_IN_CLIENT] });
});
afterAll(() => idp.close());

const base = () => ({
  issuer: idp.issuer,
  clientId: DEFAULT_SIGN_IN_CLIENT.clientId,
  scope: "openid litellm_proxy_api",
});

/** A device sign-in whose person acts (approves or declines) during the `actAt`-th wait. */
function signIn(
  person: { login: string; consent?: "allow" | "deny" },
  extra: { actAt?: number; now?: () => number } = {},
) {
  const waits: number[] = [];
  let prompt: DeviceCodePrompt | undefined;
  const result = signInWithDeviceCode({
    ...base(),
    ...(extra.now ? { now: extra.now } : {}),
    onPrompt: (shown) => {
      prompt = shown;
    },
    sleep: async (milliseconds) => {
      waits.push(milliseconds);
      if (waits.length === (extra.actAt ?? 2) && prompt?.verificationUriComplete) {
        await actAsPerson(prompt.verificationUriComplete, person);
      }
    },
  });
  return { result, waits, prompt: () => prompt };
}

describe("signInWithDeviceCode against the real OpenID provider", () => {
  it("shows the code, polls while pending, and returns the person's tokens; the proxy sees that person", async () => {
    const { result, waits, prompt } = signIn({ login: "ada" });
    const person = await result;
    expect(prompt()?.userCode).toMatch(/\S/);
    expect(prompt()?.verificationUri).toBe(`${idp.issuer}/device`);
    // One poll answered authorization_pending, the next one the tokens, at the 5 s default interval.
    expect(waits).toEqual([5000, 5000]);
    expect(person.subject).toBe("ada");
    expect(person.refreshToken).toMatch(/\S/);
    const proxy = await startMockProxy({
      jwksUrl: idp.jwksUrl,
      issuer: idp.issuer,
      audience: idp.audience,
    });
    try {
      const response = await fetch(`${proxy.url}/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${person.accessToken.token}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(response.status).toBe(200);
      expect(proxy.requests.at(-1)?.claims?.sub).toBe("ada");
    } finally {
      await proxy.close();
    }
  });

  it("slow_down adds 5 s to the interval", async () => {
    idp.injectFault(
      { kind: "status", status: 400, body: JSON.stringify({ error: "slow_down" }) },
      1,
    );
    const { result, waits } = signIn({ login: "ada" }, { actAt: 3 });
    await result;
    expect(waits).toEqual([5000, 10_000, 10_000]);
  });

  it("a declined sign-in is a TokenAcquisitionError access_denied", async () => {
    const { result } = signIn({ login: "ada", consent: "deny" });
    const error = await result.catch((caught: unknown) => caught);
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ oauthError: "access_denied", retryable: false });
    expect((error as Error).message).toMatch(/declined/);
  });

  it("an expired device code is a TokenAcquisitionError expired_token, from the provider or from our clock", async () => {
    idp.injectFault(
      { kind: "status", status: 400, body: JSON.stringify({ error: "expired_token" }) },
      1,
    );
    const fromProvider = await signIn({ login: "ada" }, { actAt: 99 }).result.catch(
      (caught: unknown) => caught,
    );
    expect(fromProvider).toMatchObject({ oauthError: "expired_token" });
    expect((fromProvider as Error).message).toMatch(/expired.*start the sign-in again/);

    // The code lives 600 s; a clock past that stops polling without asking.
    let clock = 1_000_000;
    const polls = idp.tokenRequests.length;
    const waiting = signIn({ login: "ada" }, { actAt: 99, now: () => (clock += 700_000) });
    const fromClock = await waiting.result.catch((caught: unknown) => caught);
    expect(fromClock).toMatchObject({ oauthError: "expired_token" });
    expect(idp.tokenRequests.length).toBe(polls);
  });

  it("a provider without the device flow is a ConfigurationError naming what is missing", async () => {
    const plain = await startIdentityProvider();
    try {
      const error = await signInWithDeviceCode({
        ...base(),
        issuer: plain.issuer,
        onPrompt: () => {},
      }).catch((caught: unknown) => caught);
      expect(ConfigurationError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/device_authorization_endpoint/);
    } finally {
      await plain.close();
    }
  });

  it("bad options are ConfigurationErrors", async () => {
    await expect(signInWithDeviceCode({ ...base(), onPrompt: undefined as never })).rejects.toThrow(
      /onPrompt/,
    );
    await expect(
      signInWithDeviceCode({ ...base(), issuer: "http://idp.example.com", onPrompt: () => {} }),
    ).rejects.toThrow(/https/);
  });
});

describe("signInWithDeviceCode against a hostile device authorization answer", () => {
  /** The real provider's device authorization answer, with `changes` made to it. */
  const rewriting =
    (changes: Record<string, unknown>): typeof fetch =>
    async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input instanceof Request ? input.url : input).includes("/device/auth")) {
        return response;
      }
      const body = { ...((await response.json()) as object), ...changes };
      return new Response(JSON.stringify(body), {
        status: response.status,
        headers: { "content-type": "application/json" },
      });
    };

  it("an interval outside 1 s to 600 s is brought inside: no busy polling, no timer overflow", async () => {
    for (const [interval, expected] of [
      [0.001, 1000],
      [1e9, 600_000],
    ] as const) {
      const waits: number[] = [];
      const error = await signInWithDeviceCode({
        ...base(),
        fetch: rewriting({ interval }),
        onPrompt: () => {},
        sleep: async (milliseconds) => {
          waits.push(milliseconds);
          throw new Error("stop here");
        },
      }).catch((caught: unknown) => caught);
      expect((error as Error).message).toBe("stop here");
      expect(waits).toEqual([expected]);
    }
  });

  it("a verification address that is not https is refused, never shown as the place to sign in", async () => {
    for (const changes of [
      { verification_uri: "javascript:alert(document.cookie)" },
      { verification_uri_complete: "file:///etc/passwd" },
      { verification_uri: "http://idp.example.com/device" },
    ]) {
      let shown = false;
      const error = await signInWithDeviceCode({
        ...base(),
        fetch: rewriting(changes),
        onPrompt: () => {
          shown = true;
        },
        sleep: async () => {},
      }).catch((caught: unknown) => caught);
      expect(TokenAcquisitionError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/verification_uri.* not an https address/);
      expect(shown).toBe(false);
    }
  });
});
