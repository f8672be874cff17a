import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_CLIENT, startIdentityProvider, startMockProxy } from "@proxy-auth/testing";
import type { Deployment } from "../src/seed-flow.ts";

/** The loopback deployment every runtime's run talks to, and how to stop it. */
export interface RunningDeployment {
  deployment: Deployment;
  close(): Promise<void>;
}

/**
 * Starts the identity provider, the JWT-checking proxy and a small control server through which
 * code in another runtime reads what they saw (`GET /stats`), revokes a token (`POST /revoke`)
 * and checks what a request to another origin carried (`GET /echo`).
 */
export async function startDeployment(): Promise<RunningDeployment> {
  const scope = "litellm_proxy_api";
  const idp = await startIdentityProvider();
  const proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
    requiredScope: scope,
  });
  const control = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const json = (body: unknown) => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      if (request.method === "POST" && request.url === "/revoke") {
        proxy.revoke(Buffer.concat(chunks).toString("utf8"));
        response.writeHead(204).end();
      } else if (request.url === "/stats") {
        json({
          tokensIssued: idp.tokensIssued,
          proxyRequests: proxy.requests.map(({ path, status, rejection }) => ({
            path,
            status,
            rejection,
          })),
        });
      } else if (request.url === "/echo") {
        json({ authorization: request.headers.authorization !== undefined });
      } else {
        response.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  return {
    deployment: {
      tokenUrl: idp.tokenUrl,
      proxyUrl: proxy.url,
      controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
      clientId: DEFAULT_CLIENT.clientId,
      clientSecret: DEFAULT_CLIENT.clientSecret,
      scope,
    },
    close: async () => {
      control.closeAllConnections();
      await new Promise((resolve) => control.close(resolve));
      await proxy.close();
      await idp.close();
    },
  };
}
