import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type IdentityProvider,
  startIdentityProvider,
  TOKEN_EXCHANGE_GRANT,
} from "../src/index.js";

const SUBJECT = "system:serviceaccount:ai:caller";
let idp: IdentityProvider;
beforeAll(async () => {
  idp = await startIdentityProvider({
    federatedClients: [{ clientId: "workload", subject: SUBJECT }],
    publicClients: [{ clientId: "public" }],
  });
});
afterAll(() => idp.close());

const post = async (form: Record<string, string>) => {
  const response = await fetch(idp.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
};
const federated = (assertion: string) =>
  post({
    grant_type: "client_credentials",
    client_id: "workload",
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: assertion,
  });

describe("federated client assertions", () => {
  it("a cluster JWT for the client's subject authenticates it; the log keeps its sub, not the JWT", async () => {
    const assertion = await idp.cluster.sign({ sub: SUBJECT, aud: idp.tokenUrl });
    const { status, body } = await federated(assertion);
    expect(status).toBe(200);
    expect(decodeJwt(body.access_token as string).client_id).toBe("workload");
    const record = idp.tokenRequests.at(-1);
    expect(record).toMatchObject({ authMethod: "federated", assertion: { sub: SUBJECT } });
    expect(JSON.stringify(record)).not.toContain(assertion);
  });

  it.each([
    ["expired", () => idp.cluster.sign({ sub: SUBJECT, aud: idp.issuer, expiresInSeconds: -60 })],
    ["another subject", () => idp.cluster.sign({ sub: "someone-else", aud: idp.issuer })],
    ["another audience", () => idp.cluster.sign({ sub: SUBJECT, aud: "https://elsewhere" })],
    ["not a JWT", async () => "garbage"],
  ])("%s: 401 invalid_client", async (_, assertion) => {
    const { status, body } = await federated(await assertion());
    expect(status).toBe(401);
    expect(body.error).toBe("invalid_client");
  });
});

describe("token exchange", () => {
  it("a public client exchanges a cluster JWT, with an actor", async () => {
    const { status, body } = await post({
      grant_type: TOKEN_EXCHANGE_GRANT,
      client_id: "public",
      subject_token: await idp.cluster.sign({ sub: "alice", aud: idp.issuer }),
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      actor_token: await idp.cluster.sign({ sub: "web-app", aud: idp.issuer }),
      actor_token_type: "urn:ietf:params:oauth:token-type:jwt",
      scope: "litellm_proxy_api",
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
      token_type: "Bearer",
      scope: "litellm_proxy_api",
    });
    expect(decodeJwt(body.access_token as string)).toMatchObject({
      sub: "alice",
      act: { sub: "web-app", iss: idp.cluster.issuer },
      iss: idp.issuer,
      aud: idp.audience,
    });
    expect(idp.tokenRequests.at(-1)).toMatchObject({
      exchange: { subject: "alice", actor: "web-app" },
    });
  });

  it.each([
    ["an unsupported subject_token_type", { subject_token_type: "urn:x" }, "invalid_request"],
    [
      "a subject token of no trusted issuer",
      { subject_token: "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0." },
      "invalid_grant",
    ],
    [
      "a requested refresh token",
      { requested_token_type: "urn:ietf:params:oauth:token-type:refresh_token" },
      "invalid_request",
    ],
  ])("%s is refused (%s)", async (_, overrides, error) => {
    const { status, body } = await post({
      grant_type: TOKEN_EXCHANGE_GRANT,
      client_id: "public",
      subject_token: await idp.cluster.sign({ sub: "alice", aud: idp.issuer }),
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      ...overrides,
    });
    expect(status).toBe(400);
    expect(body.error).toBe(error);
  });
});
