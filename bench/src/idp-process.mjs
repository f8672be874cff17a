// The identity provider in a process of its own, steered over stdin: each line is a JSON
// command, answered by one JSON line with the token requests so far. Prints its addresses as
// the first line; stops when stdin ends.
//   {"fault": <Fault>}   every token request gets this fault until the next command
//   {"clear": true}      no fault
//   {}                   just the counts
import { createInterface } from "node:readline";
import { DEFAULT_CLIENT, startIdentityProvider } from "@proxy-auth/testing";

const idp = await startIdentityProvider({
  tokenLifetimeSeconds: Number(process.env.TOKEN_LIFETIME_SECONDS ?? 3600),
  latencyMs: Number(process.env.IDP_LATENCY_MS ?? 0),
});
const counts = () => ({ issued: idp.tokensIssued, requests: idp.tokenRequests.length });
process.stdout.write(
  `${JSON.stringify({
    tokenUrl: idp.tokenUrl,
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
    clientId: DEFAULT_CLIENT.clientId,
    clientSecret: DEFAULT_CLIENT.clientSecret,
    ...counts(),
  })}\n`,
);
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const command = JSON.parse(line);
  if (command.fault !== undefined || command.clear) idp.clearFaults();
  if (command.fault !== undefined) idp.injectFault(command.fault, Number.POSITIVE_INFINITY);
  process.stdout.write(`${JSON.stringify(counts())}\n`);
});
lines.on("close", async () => {
  await idp.close();
  process.exit(0);
});
