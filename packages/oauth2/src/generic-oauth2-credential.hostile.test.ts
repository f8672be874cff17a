import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import {
  ConfigurationError,
  ProxyAuthError,
  ProxyAuthHandler,
  TokenAcquisitionError,
} from "@proxy-auth/core";
import { type IdentityProvider, startIdentityProvider } from "@proxy-auth/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GenericOAuth2Credential } from "./generic-oauth2-credential.js";

// Issue #11: an identity provider that attacks the client instead of serving it.

const SECRET = "SENTINEL-hostile-secret-51c2";
const CLIENT = { clientId: "hostile-client", clientSecret: SECRET };
const A_JWT =
  "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ2aWN0aW0iLCJleHAiOjk5OTk5OTk5OTl9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

let idp: IdentityProvider;
let server: Server;
let baseUrl: string;
let answer: (request: IncomingMessage, response: ServerResponse) => void;

beforeAll(async () => {
  idp = await startIdentityProvider({
    clients: [{ ...CLIENT, authMethod: "client_secret_post" }],
  });
  server = createServer((request, response) => answer(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => idp.clearFaults());
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await idp.close();
});

const hostile = (overrides: Record<string, unknown> = {}) =>
  new GenericOAuth2Credential({ ...CLIENT, tokenUrl: `${baseUrl}/token`, ...overrides });

/** The error, and everything a user could see of it: message, stack, inspect, JSON, the handler's log. */
async function exposed(credential: GenericOAuth2Credential) {
  const error = await credential.getToken("litellm_proxy_api").catch((caught: unknown) => caught);
  const lines: unknown[] = [];
  const record = (message: string, meta?: unknown) => lines.push(message, meta);
  const handler = new ProxyAuthHandler({
    credential,
    scope: "litellm_proxy_api",
    retry: { attempts: 1 },
    logger: { debug: record, info: record, warn: record, error: record },
  });
  await handler.getAuthHeaders();
  const text = [
    String(error),
    (error as Error).stack,
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
    JSON.stringify(lines),
  ].join("\n");
  return { error: error as TokenAcquisitionError, text };
}

describe("provider text in errors and logs", () => {
  it("an error_description echoing the secret and a JWT is redacted; code and status stay", async () => {
    idp.injectFault({
      kind: "status",
      status: 401,
      body: JSON.stringify({
        error: "invalid_client",
        error_description: `client_secret ${SECRET} (${encodeURIComponent(SECRET)}) is wrong; try ${A_JWT}`,
      }),
    });
    idp.injectFault({ kind: "status", status: 401, body: JSON.stringify({ error: SECRET }) });
    const credential = new GenericOAuth2Credential({ ...CLIENT, tokenUrl: idp.tokenUrl });
    const { error, text } = await exposed(credential);
    expect(error).toMatchObject({ status: 401, oauthError: "invalid_client", retryable: false });
    expect(error.message).toContain("is wrong; try [redacted]");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(A_JWT);
    expect(error.cause).toBeUndefined(); // no raw body
  });

  it("a WWW-Authenticate challenge echoing the Basic credentials is redacted", async () => {
    answer = (request, response) => {
      response.writeHead(401, {
        "content-type": "application/json",
        "www-authenticate": `Basic error="invalid_client", error_description="bad ${request.headers.authorization} ${SECRET}"`,
      });
      response.end("{}");
    };
    const { error, text } = await exposed(hostile({ authMethod: "client_secret_basic" }));
    expect(error).toMatchObject({ status: 401, oauthError: "invalid_client" });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(btoa(`${CLIENT.clientId}:${SECRET}`));
  });

  it("a very long description is bounded", async () => {
    answer = (_request, response) => {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ error: "invalid_request", error_description: "x".repeat(1e5) }),
      );
    };
    const { error } = await exposed(hostile());
    expect(error.message.length).toBeLessThan(600);
  });
});

describe("token responses are read with a size limit", () => {
  it("a body growing past 1 MiB is cancelled, not buffered, and is not retryable", async () => {
    let written = 0;
    let closed = false;
    let connectionClosed!: () => void;
    const serverSawClose = new Promise<void>((resolve) => {
      connectionClosed = resolve;
    });
    answer = (_request, response) => {
      response.on("close", () => {
        closed = true;
        connectionClosed();
      });
      response.writeHead(200, { "content-type": "application/json" });
      // A valid token response, padded to 32 MiB: today it is read whole and accepted.
      const chunk = " ".repeat(1 << 20);
      response.write(`{"access_token":"${A_JWT}","token_type":"bearer","expires_in":3600,"pad":"`);
      const pump = () => {
        while (!closed && written < 32 << 20) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once("drain", pump);
        }
        if (!closed) response.end('"}');
      };
      pump();
    };
    const { error, text } = await exposed(hostile());
    expect(TokenAcquisitionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 200, retryable: false });
    expect(error.message).toContain("maxResponseBytes");
    expect(text).not.toContain(A_JWT);
    await serverSawClose;
    expect(written).toBeLessThan(16 << 20); // the connection was closed early
  });

  it("a declared Content-Length over the limit is refused before reading; the limit is an option", async () => {
    answer = (_request, response) => {
      const body = JSON.stringify({ access_token: A_JWT, token_type: "bearer", expires_in: 60 });
      response.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      });
      response.end(body);
    };
    const error = await hostile({ maxResponseBytes: 64 })
      .getToken("s")
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(/64 bytes/) });
    await expect(hostile().getToken("s")).resolves.toMatchObject({ token: A_JWT });
    expect(() => hostile({ maxResponseBytes: 0 })).toThrow(ConfigurationError);
  });
});

describe("endpoints", () => {
  it("a discovered http:// token endpoint is a ConfigurationError, not 'could not reach'", async () => {
    answer = (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ issuer: baseUrl, token_endpoint: "http://idp.example.com/token" }),
      );
    };
    const credential = new GenericOAuth2Credential({ ...CLIENT, issuer: baseUrl });
    const error = await credential.getToken("s").catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect(ProxyAuthError.isInstance(error) && (error as Error).message).toMatch(/not https/);
  });
});
