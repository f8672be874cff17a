import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { ProxyAuthHandler } from "@proxy-auth/core";
import { startMockProxy } from "@proxy-auth/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthFetch, createClient, ProxyRequestError } from "../src/index.js";
import { type Deployment, hello, startDeployment } from "./fixtures.js";

// Issue #11: a proxy that echoes tokens, rejects every token, or is reached over plain http.

let deployment: Deployment;
let echo: Server;
let echoUrl: string;
let reply: (request: IncomingMessage, response: ServerResponse) => void;

beforeAll(async () => {
  deployment = await startDeployment();
  echo = createServer((request, response) => reply(request, response));
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
});
afterAll(async () => {
  echo.closeAllConnections();
  await new Promise((resolve) => echo.close(resolve));
  await deployment.close();
});

/** A short opaque token: not token-shaped, so only "the token that was sent" can catch it. */
const SHORT_TOKEN = "opaque-7Qx";
const shortTokenHandler = () =>
  new ProxyAuthHandler({
    credential: {
      getToken: () => ({ token: SHORT_TOKEN, expiresOn: Date.now() / 1000 + 3600 }),
    },
    scope: "s",
    logger: { warn: () => {} },
  });

/** Everything a user could see of an error. */
function exposure(error: unknown): string {
  const { body } = error as ProxyRequestError;
  return [
    String(error),
    (error as Error).stack,
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
    JSON.stringify(body),
    String(body),
  ].join("\n");
}

describe("proxy error text is redacted", () => {
  it("a plain call: the token sent, echoed bare and after Bearer, is not in the message or body", async () => {
    reply = (request, response) => {
      const sent = String(request.headers.authorization);
      response.writeHead(400, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          error: { message: `invalid token ${sent}; token=${sent.slice(7)}`, type: "bad_request" },
        }),
      );
    };
    const client = createClient({ apiBase: echoUrl, proxyAuth: shortTokenHandler() });
    const error = await client.completion(hello).catch((caught: unknown) => caught);
    expect(ProxyRequestError.isInstance(error)).toBe(true);
    expect((error as ProxyRequestError).status).toBe(400);
    expect((error as Error).message).toContain("invalid token Bearer [redacted]");
    expect(exposure(error)).not.toContain(SHORT_TOKEN);
  });

  it("a 401 echoing a real JWT (plain and streamed): redacted in both", async () => {
    const handler = deployment.handler();
    const token = (await handler.getToken()).token;
    const body = JSON.stringify({ error: { message: `invalid token Bearer ${token} (${token})` } });
    deployment.proxy.injectFault({ kind: "status", status: 401, body }, 4);
    const client = createClient({ apiBase: deployment.proxy.url, proxyAuth: handler });
    for (const stream of [false, true]) {
      const error = await client
        .completion({ ...hello, stream } as typeof hello)
        .catch((caught: unknown) => caught);
      expect((error as ProxyRequestError).status).toBe(401);
      expect(exposure(error)).not.toContain(token);
      expect(exposure(error)).not.toMatch(/eyJ[\w-]+\.eyJ/);
    }
    deployment.proxy.clearFaults();
  });

  it("a streamed call whose mid-stream error echoes the token", async () => {
    reply = (request, response) => {
      const sent = String(request.headers.authorization).slice(7);
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.end(
        `data: ${JSON.stringify({ error: { message: `token ${sent} was revoked` } })}\n\n`,
      );
    };
    const client = createClient({ apiBase: echoUrl, proxyAuth: shortTokenHandler() });
    const stream = await client.completion({ ...hello, stream: true });
    const error = await (async () => {
      for await (const _chunk of stream) {
      }
    })().catch((caught: unknown) => caught);
    expect(ProxyRequestError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("token [redacted] was revoked");
    expect(exposure(error)).not.toContain(SHORT_TOKEN);
  });
});

describe("a proxy that rejects every token (wrong audience)", () => {
  it("20 sequential calls cost one replacement grant, not 20; the error names the cause", async () => {
    const strict = await startMockProxy({
      jwksUrl: deployment.idp.jwksUrl,
      issuer: deployment.idp.issuer,
      audience: "https://another-proxy.example.com",
    });
    try {
      let time = 1_800_000_000_000;
      const handler = deployment.handler();
      const client = createClient({ apiBase: strict.url, proxyAuth: handler, now: () => time });
      const before = deployment.idp.tokensIssued;
      let last: unknown;
      for (let call = 0; call < 20; call++) {
        last = await client.completion(hello).catch((caught: unknown) => caught);
      }
      expect(deployment.idp.tokensIssued - before).toBe(2); // the first token and one replacement
      expect((last as ProxyRequestError).status).toBe(401);
      expect((last as Error).message).toMatch(/rejects freshly issued tokens/);
      expect((last as Error).message).toMatch(/scope or audience/);
      // After 30 s, one more try with a new token.
      time += 30_000;
      await client.completion(hello).catch(() => {});
      expect(deployment.idp.tokensIssued - before).toBe(3);
    } finally {
      await strict.close();
    }
  });

  it("createAuthFetch follows the same rule", async () => {
    const strict = await startMockProxy({
      jwksUrl: deployment.idp.jwksUrl,
      issuer: deployment.idp.issuer,
      audience: "https://another-proxy.example.com",
    });
    try {
      const authFetch = createAuthFetch(deployment.handler());
      const before = deployment.idp.tokensIssued;
      for (let call = 0; call < 10; call++) {
        const response = await authFetch(`${strict.url}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(hello),
        });
        expect(response.status).toBe(401);
        await response.body?.cancel();
      }
      expect(deployment.idp.tokensIssued - before).toBe(2);
    } finally {
      await strict.close();
    }
  });
});

describe("plain http to a host that is not this machine", () => {
  it("is allowed, with one warning per client; https and loopback are not warned about", async () => {
    const lines: string[] = [];
    const logger = { warn: (line: string) => lines.push(line) };
    const noNetwork = async () => new Response(JSON.stringify({ choices: [] }), { status: 200 });
    const client = createClient({
      apiBase: "http://litellm.internal:4000",
      proxyAuth: shortTokenHandler(),
      fetch: noNetwork,
      logger,
    });
    await client.completion(hello);
    await client.completion(hello);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/plain http.*unencrypted/);
    expect(lines[0]).not.toContain(SHORT_TOKEN);
    for (const apiBase of ["https://litellm.example.com", "http://127.0.0.1:4000"]) {
      await createClient({
        apiBase,
        proxyAuth: shortTokenHandler(),
        fetch: noNetwork,
        logger,
      }).completion(hello);
    }
    // Without a credential nothing secret travels: no warning either.
    await createClient({
      apiBase: "http://litellm.internal:4000",
      fetch: noNetwork,
      logger,
    }).completion(hello);
    expect(lines).toHaveLength(1);
  });
});
