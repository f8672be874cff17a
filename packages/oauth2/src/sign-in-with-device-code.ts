import { ConfigurationError, isLoopbackHost, TokenAcquisitionError } from "@proxy-auth/core";
import { functionOption, isHttpsOrLoopback, sleep as realSleep } from "@proxy-auth/core/internal";
import * as oauth from "oauth4webapi";
import { discoverAuthorizationServer } from "./discover-authorization-server.js";
import { personFromTokenResponse } from "./person-from-token-response.js";
import { signInFailure } from "./sign-in-failure.js";
import { resolveSignInOptions, type SignInOptions } from "./sign-in-options.js";
import { send, step } from "./sign-in-request.js";
import type { SignedInPerson } from "./signed-in-person.js";

/** What to show the person so they can approve the sign-in on another device. */
export interface DeviceCodePrompt {
  /** Where to go. */
  verificationUri: string;
  /** Where to go with the code already filled in, when the provider gives one (show it as a link or QR code). */
  verificationUriComplete?: string;
  /** The code to type there (not a secret: it is useless without the person's approval). */
  userCode: string;
  /** How long the code stays valid, in seconds. */
  expiresInSeconds: number;
}

/** Options of {@link signInWithDeviceCode}. */
export interface DeviceCodeSignInOptions extends SignInOptions {
  /** Shows the person where to go and what code to enter (required). */
  onPrompt: (prompt: DeviceCodePrompt) => void | Promise<void>;
  /** Waits between polls; inject one for tests. Default a timer. */
  sleep?: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
}

/** RFC 8628's default polling interval, in seconds, and what `slow_down` adds to it. */
const DEFAULT_INTERVAL_SECONDS = 5;
const SLOW_DOWN_SECONDS = 5;
/**
 * The bounds of a provider's `interval`, in seconds: a hostile or broken answer can neither make
 * the loop poll the token endpoint many times a second nor ask for a wait a timer cannot hold
 * (past 2^31 ms a timer fires at once, and the loop would spin).
 */
const MIN_INTERVAL_SECONDS = 1;
const MAX_INTERVAL_SECONDS = 600;

/**
 * Signs a person in with the OAuth 2.0 device authorization grant (RFC 8628), for machines
 * without a browser (SSH sessions, containers): shows a code through `onPrompt`, then polls the
 * token endpoint at the provider's `interval` (`slow_down` adds 5 s) until the person approves on
 * another device, declines, or the code expires. Endpoints are discovered from `issuer`.
 *
 * @returns The person's tokens (refresh token included when the provider issues one).
 * @throws `ConfigurationError` for bad options or a provider without the device flow;
 *   `TokenAcquisitionError` with `oauthError` `"access_denied"` (declined) or `"expired_token"`
 *   (not approved in time), or for any other refusal or network failure.
 * @example
 * ```ts
 * const person = await signInWithDeviceCode({
 *   issuer: "https://login.example.com",
 *   clientId: "proxy-auth-cli",
 *   scope: "openid offline_access litellm_proxy_api",
 *   onPrompt: ({ verificationUri, userCode }) =>
 *     console.error(`Open ${verificationUri} and enter ${userCode}`),
 * });
 * ```
 */
export async function signInWithDeviceCode(
  options: DeviceCodeSignInOptions,
): Promise<SignedInPerson> {
  const owner = "signInWithDeviceCode";
  const resolved = resolveSignInOptions(owner, options);
  const onPrompt = functionOption<DeviceCodeSignInOptions["onPrompt"] | undefined>(
    owner,
    "onPrompt",
    options.onPrompt,
    undefined,
  );
  if (onPrompt === undefined) {
    throw new ConfigurationError(
      `${owner}: "onPrompt" is required: it shows the person where to go and the code to enter.`,
    );
  }
  const wait = functionOption(owner, "sleep", options.sleep, realSleep);
  const { signal } = resolved;
  signal?.throwIfAborted();
  const server = await step(resolved, (deadline) =>
    discoverAuthorizationServer(resolved.issuer, {
      owner,
      fetch: resolved.fetch,
      timeoutMs: resolved.timeoutMs,
      secrets: [],
      endpoints: ["device_authorization_endpoint", "token_endpoint"],
      deadline,
      callerSignal: signal,
    }),
  );
  const client: oauth.Client = { client_id: resolved.clientId };
  const insecure = isLoopbackHost(resolved.issuer.hostname);
  const what = `device authorization endpoint of ${resolved.issuer.origin}`;
  const parameters = new URLSearchParams({ scope: resolved.scope });
  for (const resource of resolved.resources) parameters.append("resource", resource);
  const authorization = await step(resolved, async (deadline) => {
    const response = await send(resolved, deadline, what, () =>
      oauth.deviceAuthorizationRequest(server, client, oauth.None(), parameters, {
        signal: deadline.signal,
        [oauth.customFetch]: resolved.fetch,
        [oauth.allowInsecureRequests]: insecure,
      }),
    );
    try {
      return await oauth.processDeviceAuthorizationResponse(server, client, response);
    } catch (error) {
      throw await signInFailure(error, response, what, []);
    }
  });
  const expiresAt = resolved.now() + authorization.expires_in * 1000;
  for (const [name, value] of [
    ["verification_uri", authorization.verification_uri],
    ["verification_uri_complete", authorization.verification_uri_complete],
  ] as const) {
    if (value !== undefined && !isWebAddress(value)) {
      throw new TokenAcquisitionError(
        `The ${what} answered with a ${name} that is not an https address; it is not shown as the place to sign in.`,
        { retryable: false },
      );
    }
  }
  await onPrompt({
    verificationUri: authorization.verification_uri,
    ...(authorization.verification_uri_complete === undefined
      ? {}
      : { verificationUriComplete: authorization.verification_uri_complete }),
    userCode: authorization.user_code,
    expiresInSeconds: authorization.expires_in,
  });

  const bounded = (seconds: number) =>
    Math.min(Math.max(seconds, MIN_INTERVAL_SECONDS), MAX_INTERVAL_SECONDS);
  let intervalSeconds = bounded(authorization.interval ?? DEFAULT_INTERVAL_SECONDS);
  const tokenWhat = `token endpoint of ${resolved.issuer.origin}`;
  for (;;) {
    await wait(intervalSeconds * 1000, signal);
    if (resolved.now() >= expiresAt) {
      throw new TokenAcquisitionError(
        "The device code expired before the sign-in was approved; start the sign-in again.",
        { oauthError: "expired_token", retryable: false },
      );
    }
    const outcome = await step(resolved, async (deadline) => {
      const sentAt = resolved.now() / 1000;
      const response = await send(resolved, deadline, tokenWhat, () =>
        oauth.deviceCodeGrantRequest(server, client, oauth.None(), authorization.device_code, {
          signal: deadline.signal,
          [oauth.customFetch]: resolved.fetch,
          [oauth.allowInsecureRequests]: insecure,
        }),
      );
      try {
        const result = await oauth.processDeviceCodeResponse(server, client, response);
        return personFromTokenResponse(result, {
          options: resolved,
          what: tokenWhat,
          status: response.status,
          sentAt,
        });
      } catch (error) {
        if (error instanceof oauth.ResponseBodyError) {
          if (error.error === "authorization_pending") return "pending" as const;
          if (error.error === "slow_down") return "slow_down" as const;
        }
        throw await signInFailure(error, response, tokenWhat, [authorization.device_code]);
      }
    });
    if (outcome === "slow_down") intervalSeconds = bounded(intervalSeconds + SLOW_DOWN_SECONDS);
    else if (outcome !== "pending") return outcome;
  }
}

/** Where a person may be sent to sign in: an https address (http only on this machine). */
function isWebAddress(value: string): boolean {
  try {
    return isHttpsOrLoopback(new URL(value));
  } catch {
    return false;
  }
}
