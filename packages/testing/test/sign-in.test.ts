import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  actAsPerson,
  DEFAULT_SIGN_IN_CLIENT,
  DEVICE_CODE_GRANT,
  type IdentityProvider,
  startIdentityProvider,
} from "../src/index.js";

let idp: IdentityProvider;
beforeAll(async () => {
  idp = await startIdentityProvider({ signInClients: [DEFAULT_SIGN_IN_CLIENT] });
});
afterAll(() => idp.close());

const form = (url: string, params: Record<string, string>) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  }).then(async (response) => ({
    status: response.status,
    body: (await response.json()) as Record<string, string>,
  }));

const deviceAuthorization = () =>
  form(`${idp.issuer}/device/auth`, {
    client_id: DEFAULT_SIGN_IN_CLIENT.clientId,
    scope: "openid litellm_proxy_api",
  }).then(({ body }) => body);

const pollOnce = (deviceCode: string) =>
  form(idp.tokenUrl, {
    grant_type: DEVICE_CODE_GRANT,
    client_id: DEFAULT_SIGN_IN_CLIENT.clientId,
    device_code: deviceCode,
  });

describe("the test identity provider's sign-in pages, driven by actAsPerson", () => {
  it("device flow: pending until the person approves, then a JWT for that person and a refresh token that rotates once", async () => {
    const device = await deviceAuthorization();
    expect((await pollOnce(device.device_code as string)).body.error).toBe("authorization_pending");
    const outcome = await actAsPerson(device.verification_uri_complete as string, {
      login: "ada",
    });
    expect(outcome.body).toContain("Sign-in Success");
    const { status, body } = await pollOnce(device.device_code as string);
    expect(status).toBe(200);
    expect(decodeJwt(body.access_token as string)).toMatchObject({
      sub: "ada",
      aud: idp.audience,
    });
    const refresh = { grant_type: "refresh_token", client_id: DEFAULT_SIGN_IN_CLIENT.clientId };
    const first = await form(idp.tokenUrl, {
      ...refresh,
      refresh_token: body.refresh_token as string,
    });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(body.refresh_token);
    expect(idp.refreshTokenReuses).toBe(0);
    // The old one again: reuse detection fires and revokes the whole sign-in.
    const reused = await form(idp.tokenUrl, {
      ...refresh,
      refresh_token: body.refresh_token as string,
    });
    expect(reused.body.error).toBe("invalid_grant");
    expect(idp.refreshTokenReuses).toBe(1);
    const after = await form(idp.tokenUrl, {
      ...refresh,
      refresh_token: first.body.refresh_token as string,
    });
    expect(after.body.error).toBe("invalid_grant");
    // No refresh token, code or device code is recorded.
    expect(JSON.stringify(idp.tokenRequests)).not.toContain(body.refresh_token);
  });

  it("device flow: a denied confirmation gives access_denied", async () => {
    const device = await deviceAuthorization();
    await actAsPerson(device.verification_uri_complete as string, {
      login: "ada",
      consent: "deny",
    });
    expect((await pollOnce(device.device_code as string)).body.error).toBe("access_denied");
  });
});
