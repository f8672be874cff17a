import { type OutageBin, outageChart, outageColors, renderSvg } from "@proxy-auth/charts";
import { ProxyAuthHandler } from "@proxy-auth/core";
import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
import { DEFAULT_CLIENT, startIdentityProvider, startMockProxy } from "@proxy-auth/testing";
import type { Section } from "./report.js";

const CALLERS = 8;
const BIN_SECONDS = 0.5;

/**
 * Outage: the identity provider answers 503 for a while. Callers keep sending completions to
 * the JWT-checking proxy; the cached token carries them until it expires, then requests go out
 * without a header (the default "warn" policy) and are rejected, until the provider is back.
 * Counted per half second: requests served and rejected.
 */
export async function outage(smoke: boolean): Promise<Section> {
  const lifetime = smoke ? 3 : 6;
  const downAt = smoke ? 0.5 : 1;
  const upAt = smoke ? 4 : 11;
  const seconds = smoke ? 6 : 15;
  const idp = await startIdentityProvider({ tokenLifetimeSeconds: lifetime, latencyMs: 50 });
  const proxy = await startMockProxy({
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: idp.audience,
  });
  try {
    let warnings = 0;
    const handler = new ProxyAuthHandler({
      credential: new GenericOAuth2Credential({
        clientId: DEFAULT_CLIENT.clientId,
        clientSecret: DEFAULT_CLIENT.clientSecret,
        tokenUrl: idp.tokenUrl,
      }),
      scope: "litellm_proxy_api",
      logger: { warn: () => warnings++ },
    });
    const body = JSON.stringify({ model: "gpt-4", messages: [{ role: "user", content: "Hi" }] });
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    await handler.getAuthHeaders();
    const firstExpiry = (await handler.getToken()).expiresOn;
    const tokenExpiredAt = elapsed() + (firstExpiry * 1000 - Date.now()) / 1000;
    const bins: OutageBin[] = Array.from(
      { length: Math.ceil(seconds / BIN_SECONDS) },
      (_, index) => ({
        at: index * BIN_SECONDS,
        served: 0,
        rejected: 0,
      }),
    );
    const down = setTimeout(
      () => idp.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY),
      downAt * 1000,
    );
    const up = setTimeout(() => idp.clearFaults(), upAt * 1000);
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (elapsed() < seconds) {
          const at = elapsed();
          const headers = await handler.getAuthHeaders();
          const response = await fetch(`${proxy.url}/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body,
          });
          await response.arrayBuffer();
          const bin = bins[Math.floor(at / BIN_SECONDS)];
          if (bin === undefined) continue;
          if (response.ok) bin.served++;
          else bin.rejected++;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    clearTimeout(down);
    clearTimeout(up);
    const served = bins.reduce((sum, bin) => sum + bin.served, 0);
    const rejected = bins.reduce((sum, bin) => sum + bin.rejected, 0);
    const servedWhileDown = bins
      .filter((bin) => bin.at >= downAt && bin.at + BIN_SECONDS <= Math.min(upAt, tokenExpiredAt))
      .reduce((sum, bin) => sum + bin.served, 0);
    const rejectedWhileUp = bins
      .filter((bin) => bin.at + BIN_SECONDS <= downAt || bin.at >= upAt + 1)
      .reduce((sum, bin) => sum + bin.rejected, 0);
    const firstServedAfter = bins.find((bin) => bin.at >= upAt && bin.served > 0);
    const chart = outageChart(
      bins,
      { downAt, upAt, tokenExpiredAt, binSeconds: BIN_SECONDS },
      "Requests during an identity-provider outage",
      `${lifetime}-second token cached, provider answers 503 from ${downAt} s to ${upAt} s, ${CALLERS} callers`,
    );
    return {
      title: "8. Identity provider outage",
      description: `The real identity provider (in-process) issues ${lifetime}-second tokens and answers 503 from ${downAt} s to ${upAt} s; ${CALLERS} callers send completions to the JWT-checking proxy every 20 ms for ${seconds} s with the default \`onTokenError: "warn"\`. Expected: every request served while the cached token is valid, requests without a header rejected only between its expiry and the provider's return.`,
      table: [
        [
          "requests",
          "served",
          "rejected",
          "served while down, token valid",
          "rejected while the provider was up (from 1 s after recovery)",
          "first served after recovery",
          "warnings",
        ],
        [
          String(served + rejected),
          String(served),
          String(rejected),
          String(servedWhileDown),
          String(rejectedWhileUp),
          firstServedAfter === undefined
            ? "never"
            : `${(firstServedAfter.at - upAt).toFixed(1)} s after`,
          String(warnings),
        ],
      ],
      notes: [
        `The cached token expired ${tokenExpiredAt.toFixed(1)} s into the run. The handler stops handing out a token a few seconds before its expiry (the expiry margin, at most half the lifetime), so rejections begin a little before that line. Rejected while the provider was up: ${rejectedWhileUp} (expected 0).`,
      ],
      charts: [
        {
          file: "outage.svg",
          alt: "Requests served and rejected per half second while the identity provider is down",
          svg: renderSvg(chart.option, chart),
          // One bar per bin (an empty bin's bar has no height), plus the legend's symbol.
          expectedMarks: [
            { what: "served bars", color: outageColors.served, count: bins.length + 1 },
            { what: "rejected bars", color: outageColors.rejected, count: bins.length + 1 },
          ],
        },
      ],
    };
  } finally {
    await proxy.close();
    await idp.close();
  }
}
