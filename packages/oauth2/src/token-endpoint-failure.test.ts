import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import type { TokenAcquisitionError } from "@proxy-auth/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenericOAuth2Credential } from "./generic-oauth2-credential.js";
import { TokenExchangeCredential } from "./token-exchange-credential.js";

// RFC 6749 §5.2: a client that authenticated with HTTP Basic gets a 401 with a
// `WWW-Authenticate` challenge; real providers put the OAuth error in the JSON body beside it.

let server: Server;
let tokenUrl: string;
let answer: (request: IncomingMessage, response: ServerResponse) => void;

const SECRET = "SENTINEL-basic-secret-7f3a";
const CLIENT = { clientId: "basic-client", clientSecret: SECRET };
const A_JWT =
  "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ2aWN0aW0iLCJleHAiOjk5OTk5OTk5OTl9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

beforeAll(async () => {
  server = createServer((request, response) => answer(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function refuseWithBasicChallenge(body: string, challenge = 'Basic realm="token"') {
  answer = (_request, response) => {
    response.writeHead(401, { "content-type": "application/json", "www-authenticate": challenge });
    response.end(body);
  };
}

async function failure(credential: { getToken(scope: string): Promise<unknown> }) {
  const error = (await credential.getToken("s").catch((caught: unknown) => caught)) as Error;
  const text = [String(error), error.stack, inspect(error, { showHidden: true, depth: 5 })];
  return { error: error as TokenAcquisitionError, text: text.join("\n") };
}

describe("a 401 with a WWW-Authenticate challenge and an OAuth error in the JSON body", () => {
  it("keeps oauthError and the redacted description (client credentials)", async () => {
    refuseWithBasicChallenge(
      JSON.stringify({
        error: "invalid_client",
        error_description: `Client authentication failed for ${SECRET}; see ${A_JWT}`,
      }),
    );
    const credential = new GenericOAuth2Credential({
      ...CLIENT,
      tokenUrl,
      authMethod: "client_secret_basic",
    });
    const { error, text } = await failure(credential);
    expect(error).toMatchObject({ status: 401, oauthError: "invalid_client", retryable: false });
    expect(error.message).toContain("invalid_client: Client authentication failed for [redacted]");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(A_JWT);
  });

  it("keeps oauthError from the body for token exchange too", async () => {
    refuseWithBasicChallenge(JSON.stringify({ error: "invalid_client" }));
    const credential = new TokenExchangeCredential({
      ...CLIENT,
      tokenUrl,
      subjectToken: () => A_JWT,
    });
    const { error, text } = await failure(credential);
    expect(error).toMatchObject({ status: 401, oauthError: "invalid_client" });
    expect(text).not.toContain(A_JWT);
  });

  it("the challenge's own error wins over the body's", async () => {
    refuseWithBasicChallenge(
      JSON.stringify({ error: "invalid_request" }),
      'Basic realm="token", error="invalid_client"',
    );
    const { error } = await failure(new GenericOAuth2Credential({ ...CLIENT, tokenUrl }));
    expect(error).toMatchObject({ status: 401, oauthError: "invalid_client" });
  });

  it("a body that is not an OAuth error still says only the status", async () => {
    refuseWithBasicChallenge(`<html>${SECRET}</html>`);
    const { error, text } = await failure(new GenericOAuth2Credential({ ...CLIENT, tokenUrl }));
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect(error.oauthError).toBeUndefined();
    expect(text).not.toContain(SECRET);
  });
});
