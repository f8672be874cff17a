import { parseArgs } from "node:util";
import { type AccessToken, ProxyAuthError, redact } from "@proxy-auth/core";
import type { CommandContext } from "./command-settings.js";
import { scopeSetting, targetSetting } from "./command-settings.js";
import { credentialFromEnvironment } from "./credential-from-environment.js";
import { DOCTOR_HELP } from "./help.js";
import { parseCommandLine } from "./parse-command-line.js";
import { proxyAnswerMeaning } from "./proxy-answer.js";
import { unverifiedJwt } from "./token-claims.js";

/** Each HTTP step's time limit. */
const STEP_TIMEOUT_MS = 10_000;
/** The most of an answer the doctor reads. */
const MAX_ANSWER_BYTES = 16_384;
/** A clock this far off rejects fresh tokens (`nbf`, `iat`) or accepts stale ones. */
const SKEW_WARNING_SECONDS = 30;

type Write = (text: string) => unknown;

/**
 * `proxy-auth doctor`: explains a 401 or 403 between the identity provider and the proxy on one
 * screen, without printing the token: the provider's discovery document, the grant, what the
 * token says (`iss`, `aud`, `scope`, `exp`, decoded and not verified) against what the proxy
 * expects, the clocks, and the proxy's answer to a test call. Exit 0 only when that call succeeds.
 */
export async function doctorCommand(args: string[], context: CommandContext): Promise<number> {
  const { values: flags } = parseCommandLine("doctor", () =>
    parseArgs({
      args,
      strict: true,
      options: {
        target: { type: "string" },
        scope: { type: "string" },
        issuer: { type: "string" },
        audience: { type: "string" },
        model: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }),
  );
  if (flags.help) {
    context.stdout.write(DOCTOR_HELP);
    return 0;
  }
  const { environment } = context;
  const write: Write = (text) => context.stdout.write(`${text}\n`);
  const target = targetSetting(flags.target, environment);
  const scope = scopeSetting(flags.scope, environment);
  const expectedIssuer = flags.issuer ?? (environment.PROXY_AUTH_ISSUER || undefined);
  const expectedAudience = flags.audience ?? (environment.PROXY_AUTH_AUDIENCE || undefined);
  const model = flags.model ?? (environment.PROXY_AUTH_MODEL || "proxy-auth-doctor-no-model");
  const { credential, description } = credentialFromEnvironment(environment);

  write(
    `proxy-auth doctor: ${description}, scope ${scope}, proxy ${target.origin}${target.pathname}`,
  );
  let token: AccessToken;
  const started = Date.now();
  try {
    token = await credential.getToken(scope);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    write(
      `  ✗ grant      no token: ${ProxyAuthError.isInstance(error) ? message : redact(message)}`,
    );
    if (expectedIssuer !== undefined) await checkDiscovery(expectedIssuer, write);
    write("  · proxy      not called (no token)");
    return 1;
  }
  write(`  ✓ grant      a token in ${Date.now() - started} ms (not shown)`);
  // What the token itself shows is wrong, to explain a 401 whose message says little.
  const suspects: string[] = [];
  const decoded = unverifiedJwt(token.token);
  const claims = decoded?.claims ?? {};
  const issuer = typeof claims.iss === "string" ? claims.iss : undefined;
  const providerDate = await checkDiscovery(expectedIssuer ?? issuer, write);
  if (decoded === undefined) {
    write("  · token      opaque (not a JWT): the proxy must introspect it; nothing to decode");
  } else {
    write(
      `  · token      alg ${String(decoded.header.alg)}, kid ${String(decoded.header.kid ?? "none")}`,
    );
    write(compare("iss", issuer, expectedIssuer, "--issuer / PROXY_AUTH_ISSUER"));
    if (expectedIssuer !== undefined && issuer !== expectedIssuer) {
      suspects.push("the token's iss is not the issuer the proxy expects");
    }
    const audiences = Array.isArray(claims.aud)
      ? claims.aud.map(String)
      : claims.aud === undefined
        ? []
        : [String(claims.aud)];
    write(
      compare(
        "aud",
        audiences.join(" ") || undefined,
        expectedAudience,
        "--audience / PROXY_AUTH_AUDIENCE",
        expectedAudience !== undefined && audiences.includes(expectedAudience),
      ),
    );
    if (expectedAudience !== undefined && !audiences.includes(expectedAudience)) {
      suspects.push(
        "the token's aud is not the audience the proxy expects: change the client's scope or audience",
      );
    }
    const scopes = [claims.scope, claims.scp].flat().filter((value) => typeof value === "string");
    write(`      scope    ${scopes.join(" ") || "(none)"}`);
    const now = Date.now() / 1000;
    if (typeof claims.exp === "number") {
      const left = Math.round(claims.exp - now);
      write(
        `    ${left > 0 ? "✓" : "✗"} exp      ${left > 0 ? `in ${left} s` : `${-left} s ago`} (${new Date(claims.exp * 1000).toISOString()})`,
      );
    }
  }
  const proxyDate = await callProxy(target, token.token, model, write, suspects);
  writeClocks(
    write,
    providerDate,
    proxyDate.date,
    typeof claims.iat === "number" ? claims.iat : undefined,
  );
  write(`  ${proxyDate.ok ? "✓" : "✗"} meaning    ${proxyDate.meaning}`);
  return proxyDate.ok ? 0 : 1;
}

/** One claim against the value the proxy expects. */
function compare(
  name: string,
  actual: string | undefined,
  expected: string | undefined,
  setting: string,
  matches = actual === expected,
): string {
  if (expected === undefined) {
    return `    · ${name.padEnd(8)} ${actual ?? "(none)"} (pass ${setting} to compare with the proxy's)`;
  }
  return matches
    ? `    ✓ ${name.padEnd(8)} ${actual} (as the proxy expects)`
    : `    ✗ ${name.padEnd(8)} ${actual ?? "(none)"}, but the proxy expects ${expected}`;
}

/** GETs the provider's discovery document: reachable, and its `Date` (for the clock check). */
async function checkDiscovery(issuer: string | undefined, write: Write): Promise<Date | undefined> {
  if (issuer === undefined) {
    write("  · discovery  no issuer known (pass --issuer): not checked");
    return undefined;
  }
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
      redirect: "manual",
    });
    const { text } = await readAnswer(response);
    let document: { issuer?: unknown; jwks_uri?: unknown } = {};
    try {
      document = JSON.parse(text) as typeof document;
    } catch {
      // Reported below as "no JSON".
    }
    if (!response.ok || typeof document.jwks_uri !== "string") {
      write(
        `  ✗ discovery  ${url} answered ${response.status}${typeof document.jwks_uri === "string" ? "" : " without a jwks_uri"}`,
      );
    } else if (document.issuer !== issuer) {
      write(`  ✗ discovery  names issuer ${redact(String(document.issuer))}, not ${issuer}`);
    } else {
      write(`  ✓ discovery  ${url} (keys at ${redact(document.jwks_uri)})`);
    }
    return dateHeader(response);
  } catch (error) {
    write(`  ✗ discovery  ${url} not reachable (${redact((error as Error).message)})`);
    return undefined;
  }
}

/** The test call: a one-token chat completion. */
async function callProxy(
  target: URL,
  token: string,
  model: string,
  write: Write,
  suspects: readonly string[],
): Promise<{ ok: boolean; meaning: string; date?: Date }> {
  const url = new URL(`${target.pathname.replace(/\/$/, "")}/chat/completions`, target);
  try {
    const response = await fetch(url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ model, max_tokens: 1, messages: [{ role: "user", content: "ping" }] }),
    });
    const { text } = await readAnswer(response);
    let message = text;
    try {
      const body = JSON.parse(text) as { error?: { message?: unknown } };
      if (typeof body.error?.message === "string") message = body.error.message;
    } catch {
      // Not JSON: the text itself.
    }
    // A proxy may echo the token back: never print it.
    const shown = redact(message, { secrets: [token], maxLength: 200 });
    const answer = proxyAnswerMeaning(response.status, shown);
    const { ok } = answer;
    // A 401 the proxy does not explain: what the token showed above is the likely reason.
    const meaning =
      response.status === 401 && !answer.specific && suspects.length > 0
        ? suspects.join("; ")
        : answer.meaning;
    write(
      `  ${ok ? "✓" : "✗"} proxy      POST ${url.pathname} (model ${model}) → ${response.status}${ok ? "" : ` "${shown}"`}`,
    );
    const date = dateHeader(response);
    return { ok, meaning, ...(date === undefined ? {} : { date }) };
  } catch (error) {
    write(`  ✗ proxy      ${url.origin} not reachable (${redact((error as Error).message)})`);
    return { ok: false, meaning: "the proxy did not answer: check --target and the network path" };
  }
}

/** The skew of the provider's and the proxy's clocks against this machine's. */
function writeClocks(
  write: Write,
  provider: Date | undefined,
  proxy: Date | undefined,
  issuedAt: number | undefined,
) {
  const now = Date.now();
  const parts: string[] = [];
  let off = false;
  const add = (name: string, seconds: number) => {
    off ||= Math.abs(seconds) > SKEW_WARNING_SECONDS;
    parts.push(`${name} ${seconds >= 0 ? "+" : ""}${seconds} s`);
  };
  if (provider !== undefined) add("provider", Math.round((provider.getTime() - now) / 1000));
  else if (issuedAt !== undefined) add("provider (token iat)", Math.round(issuedAt - now / 1000));
  if (proxy !== undefined) add("proxy", Math.round((proxy.getTime() - now) / 1000));
  if (parts.length === 0) return;
  write(
    `  ${off ? "✗" : "✓"} clocks     against this machine: ${parts.join(", ")}${off ? ` (more than ${SKEW_WARNING_SECONDS} s off: tokens look expired or not yet valid)` : ""}`,
  );
}

function dateHeader(response: Response): Date | undefined {
  const value = response.headers.get("date");
  const date = value === null ? undefined : new Date(value);
  return date === undefined || Number.isNaN(date.getTime()) ? undefined : date;
}

/** The first {@link MAX_ANSWER_BYTES} of an answer; the rest is not read. */
async function readAnswer(response: Response): Promise<{ text: string }> {
  if (response.body === null) return { text: "" };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ANSWER_BYTES) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { text: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString("utf8") };
}
