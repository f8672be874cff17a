// The proxy-auth demo. `pnpm demo --help` explains both modes.
import { parseArgs } from "node:util";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import { DEFAULT_CLIENT, startIdentityProvider, startMockProxy } from "@proxy-auth/testing";
import { HELP, realDeployment } from "./configuration.js";
import { metricsSummary } from "./telemetry.js";
import { TimelineRecorder } from "./timeline-recorder.js";
import { Trace } from "./trace.js";
import {
  completionStep,
  customCredentialStep,
  embeddingStep,
  outageStep,
  refreshStep,
  type Stage,
  streamingStep,
  useLitellmProxyStep,
} from "./walkthrough.js";

const TOKEN_LIFETIME_SECONDS = 4;

async function embedded(trace: Trace): Promise<void> {
  // A client without a secret: the provider holds only its public key (private_key_jwt).
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
    "verify",
  ]);
  const publicJwk = { ...(await crypto.subtle.exportKey("jwk", keys.publicKey)), kid: "demo-key" };
  const idp = await startIdentityProvider({
    tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS,
    latencyMs: 150,
    keyClients: [{ clientId: "demo-key-client", jwks: { keys: [publicJwk] } }],
  });
  const proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
    requiredScope: "litellm_proxy_api",
  });
  trace.note(
    `identity provider ${idp.issuer} (tokens live ${TOKEN_LIFETIME_SECONDS} s, answers in 150 ms); JWT-checking proxy ${proxy.url}`,
  );
  const stage: Stage = {
    trace,
    apiBase: proxy.url,
    model: "gpt-4",
    embeddingModel: "text-embedding-3-small",
    scope: "litellm_proxy_api",
  };
  const credential = () =>
    new GenericOAuth2Credential({
      clientId: DEFAULT_CLIENT.clientId,
      clientSecret: DEFAULT_CLIENT.clientSecret,
      tokenUrl: idp.tokenUrl,
    });
  try {
    await completionStep(stage, credential(), "Generic OAuth2 (client_credentials)");
    await completionStep(
      stage,
      new GenericOAuth2Credential({
        clientId: "demo-key-client",
        privateKey: keys.privateKey,
        keyId: "demo-key",
        tokenUrl: idp.tokenUrl,
      }),
      "Generic OAuth2 with private_key_jwt (no client secret)",
    );
    await embeddingStep(stage);
    await streamingStep(stage);
    await refreshStep(stage, 6);
    await customCredentialStep(
      stage,
      idp.tokenUrl,
      DEFAULT_CLIENT.clientId,
      DEFAULT_CLIENT.clientSecret,
    );
    await useLitellmProxyStep(stage);
    await outageStep(
      stage,
      credential(),
      () =>
        idp.injectFault({ kind: "status", status: 503, retryAfter: 30 }, Number.POSITIVE_INFINITY),
      () => idp.clearFaults(),
    );
  } finally {
    await proxy.close();
    await idp.close();
  }
  const expectedRejections = 1; // the outage step's request without a token
  console.log(
    `\nSummary: ${trace.requests} requests, ${idp.tokensIssued} grants (${trace.fetched} first tokens, ${trace.refreshed} background refreshes), ${proxy.rejected} rejected by the proxy (expected ${expectedRejections}), ${trace.warnings} warning(s).`,
  );
  if (proxy.rejected !== expectedRejections)
    trace.fail(`the proxy rejected ${proxy.rejected} requests`);
}

async function real(
  trace: Trace,
  deployment: NonNullable<ReturnType<typeof realDeployment>>,
): Promise<void> {
  trace.note(
    `your deployment: ${deployment.credentialName} → ${deployment.apiBase}, scope "${deployment.scope}"`,
  );
  const stage: Stage = {
    trace,
    apiBase: deployment.apiBase,
    model: deployment.model,
    embeddingModel: deployment.embeddingModel,
    scope: deployment.scope,
  };
  await completionStep(stage, deployment.credential, deployment.credentialName);
  await embeddingStep(stage);
  await streamingStep(stage);
  // With a timeline asked for, some requests over time to draw (tokens here may live an hour).
  if (trace.timeline !== undefined) await refreshStep(stage, 10, false);
  console.log(
    `\nSummary: ${trace.requests} requests, ${trace.fetched} token(s) fetched, ${trace.refreshed} refreshed, ${trace.warnings} warning(s).`,
  );
}

const { values: flags } = parseArgs({
  options: { help: { type: "boolean", short: "h" }, timeline: { type: "string" } },
});
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}
const trace = new Trace();
if (flags.timeline !== undefined) trace.timeline = new TimelineRecorder();
try {
  const deployment = realDeployment(process.env);
  if (deployment === undefined) await embedded(trace);
  else await real(trace, deployment);
} catch (error) {
  trace.fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
console.log(await metricsSummary());
if (trace.timeline !== undefined && flags.timeline !== undefined) {
  trace.timeline.write(
    flags.timeline,
    `${new Date().toISOString().slice(0, 19)} UTC; ${trace.timeline.run.grants.length} grants, ${trace.timeline.run.requests.length} requests timed`,
  );
  console.log(`Timeline written to ${flags.timeline}.`);
}
if (trace.failures.length > 0) {
  console.log(`Demo FAILED: ${trace.failures.length} step(s) did not behave as expected.`);
  process.exit(1);
}
console.log("Demo finished: everything behaved as expected.");
