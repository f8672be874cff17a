// A separate process holding the identity provider and the JWT-checking proxy, so the
// benchmarked client does not share its event loop with the server. Prints the addresses as one
// JSON line, then serves until its parent closes stdin.
import { DEFAULT_CLIENT, startIdentityProvider, startMockProxy } from "@proxy-auth/testing";

const lifetime = Number(process.env.TOKEN_LIFETIME_SECONDS ?? 3600);
const latencyMs = Number(process.env.IDP_LATENCY_MS ?? 0);
const idp = await startIdentityProvider({ tokenLifetimeSeconds: lifetime, latencyMs });
const proxy = await startMockProxy({
  jwksUrl: idp.jwksUrl,
  issuer: idp.issuer,
  audience: idp.audience,
});
process.stdout.write(
  `${JSON.stringify({ proxyUrl: proxy.url, tokenUrl: idp.tokenUrl, clientId: DEFAULT_CLIENT.clientId, clientSecret: DEFAULT_CLIENT.clientSecret })}\n`,
);
process.stdin.resume();
process.stdin.on("end", async () => {
  await proxy.close();
  await idp.close();
  process.exit(0);
});
