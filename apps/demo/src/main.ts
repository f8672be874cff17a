// The proxy-auth demo. `pnpm demo --help` explains both modes.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import {
  DEFAULT_CLIENT,
  type IdentityProvider,
  startIdentityProvider,
  startMockProxy,
} from "@proxy-auth/testing";
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

/** The proxy the embedded mode talks to: the JWT-checking mock, or the real LiteLLM proxy. */
interface DemoProxy {
  url: string;
  model: string;
  embeddingModel: string;
  /** The model of the useLitellmProxy step: any name for the mock, a configured one for LiteLLM. */
  providerModel: string;
  description: string;
  /** Requests the proxy rejected, when it counts them (the mock does). */
  rejected(): number | undefined;
  close(): Promise<void>;
}

/**
 * The real LiteLLM proxy (`--litellm`) with proxy_auth_litellm checking every token, from the
 * LiteLLM venv of tests/litellm-interop (`PROXY_AUTH_LITELLM_RELEASE=pinned|newest`), and its
 * loopback model backend for embeddings.
 */
async function realLitellmProxy(idp: IdentityProvider): Promise<DemoProxy> {
  const { release, startLitellmProxy, MODELS, venvBin } = await import(
    "@proxy-auth/litellm-interop-test/litellm-proxy"
  );
  if (!existsSync(join(venvBin, "litellm"))) {
    throw new Error(
      `--litellm needs the LiteLLM venv of tests/litellm-interop (${release.name}): run \`pnpm test:litellm\` once (it installs it; Python 3.10+ with venv), then try again.`,
    );
  }
  const { startBackendStub } = await import("@proxy-auth/litellm-interop-test/backend-stub");
  const backend = await startBackendStub();
  try {
    const proxy = await startLitellmProxy({
      issuer: idp.issuer,
      audience: idp.audience,
      backendApiBase: backend.apiBase,
      hookSettings: { PROXY_AUTH_REQUIRED_SCOPES: "litellm_proxy_api" },
    });
    return {
      url: proxy.url,
      model: MODELS.mock,
      embeddingModel: MODELS.embedding,
      providerModel: MODELS.mock,
      description: `the real LiteLLM proxy (${release.name} release, proxy_auth_litellm checking every token)`,
      rejected: () => undefined,
      close: async () => {
        await proxy.stop();
        await backend.close();
      },
    };
  } catch (error) {
    await backend.close();
    throw error;
  }
}

async function mockProxy(idp: IdentityProvider): Promise<DemoProxy> {
  const proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
    requiredScope: "litellm_proxy_api",
  });
  return {
    url: proxy.url,
    model: "gpt-4",
    embeddingModel: "text-embedding-3-small",
    providerModel: "vertex_ai/gemini-2.0-flash-001",
    description: "JWT-checking proxy",
    rejected: () => proxy.rejected,
    close: () => proxy.close(),
  };
}

async function embedded(trace: Trace, withLitellm: boolean): Promise<void> {
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
  let proxy: DemoProxy;
  try {
    proxy = withLitellm ? await realLitellmProxy(idp) : await mockProxy(idp);
  } catch (error) {
    await idp.close();
    throw error;
  }
  trace.note(
    `identity provider ${idp.issuer} (tokens live ${TOKEN_LIFETIME_SECONDS} s, answers in 150 ms); ${proxy.description} ${proxy.url}`,
  );
  const stage: Stage = {
    trace,
    apiBase: proxy.url,
    model: proxy.model,
    embeddingModel: proxy.embeddingModel,
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
    await useLitellmProxyStep(stage, proxy.providerModel);
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
  const rejected = proxy.rejected();
  console.log(
    `\nSummary: ${trace.requests} requests, ${idp.tokensIssued} grants (${trace.fetched} first tokens, ${trace.refreshed} background refreshes), ${rejected === undefined ? "" : `${rejected} rejected by the proxy (expected ${expectedRejections}), `}${trace.warnings} warning(s).`,
  );
  if (rejected !== undefined && rejected !== expectedRejections)
    trace.fail(`the proxy rejected ${rejected} requests`);
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
  options: {
    help: { type: "boolean", short: "h" },
    timeline: { type: "string" },
    litellm: { type: "boolean" },
  },
});
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}
const trace = new Trace();
if (flags.timeline !== undefined) trace.timeline = new TimelineRecorder();
try {
  const deployment = realDeployment(process.env);
  if (deployment === undefined) await embedded(trace, flags.litellm === true);
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
