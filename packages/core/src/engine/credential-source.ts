import { validateAccessToken } from "../access-token.js";
import { TokenAcquisitionError } from "../errors.js";
import { Deadline } from "../shared/deadline.js";
import type { Timers } from "../timers.js";
import type { TokenCredential } from "../token-credential.js";
import { type ScheduledToken, scheduleToken } from "./token-schedule.js";
import type { TokenAnswer, TokenRequest, TokenSource } from "./token-source.js";

/** What {@link CredentialSource} needs: the handler's credential, scope and timings. */
export interface CredentialSourceOptions {
  readonly credential: TokenCredential;
  readonly scope: string;
  readonly credentialTimeoutMs: number;
  readonly refreshBufferSeconds: number;
  readonly expiryMarginSeconds: number;
  readonly now: () => number;
  readonly timers: Timers;
}

/**
 * Tokens straight from the credential: one call, bounded by `credentialTimeoutMs` (cut to what
 * is left before the request's deadline; its timer never keeps the process alive), its answer
 * validated (DESIGN rule 10) and scheduled.
 */
export class CredentialSource implements TokenSource {
  readonly #options: CredentialSourceOptions;

  constructor(options: CredentialSourceOptions) {
    this.#options = options;
  }

  async next(request: TokenRequest): Promise<TokenAnswer> {
    return { token: await this.fetch(request.deadline), origin: "credential" };
  }

  /** Nothing is shared, so nothing can be taken back. */
  refused(): void {}

  /** A validated, scheduled token from the credential, within `deadline`. */
  async fetch(deadline: number): Promise<ScheduledToken> {
    const { now } = this.#options;
    const accessToken = validateAccessToken(await this.#call(deadline - now()), now() / 1000);
    return this.schedule(accessToken, now());
  }

  /** When a token is refreshed and until when it is served, by the handler's options. */
  schedule(
    accessToken: Parameters<typeof scheduleToken>[0],
    nowMs: number,
  ): ReturnType<typeof scheduleToken> {
    const { refreshBufferSeconds, expiryMarginSeconds } = this.#options;
    return scheduleToken(accessToken, nowMs, refreshBufferSeconds, expiryMarginSeconds);
  }

  #call(budgetMs: number): Promise<unknown> {
    const { credential, scope } = this.#options;
    const timeoutMs = Math.max(1, Math.min(this.#options.credentialTimeoutMs, Math.ceil(budgetMs)));
    const controller = new AbortController();
    // Called synchronously (a throw becomes a rejection), so the request starts at once.
    const work = new Promise<unknown>((resolve) =>
      resolve(credential.getToken(scope, { signal: controller.signal })),
    );
    return new Deadline(timeoutMs, undefined, this.#options.timers).race(work, () => {
      const error = new TokenAcquisitionError(
        `The credential did not return a token for scope "${scope}" within ${timeoutMs} ms.`,
        { retryable: true },
      );
      controller.abort(error);
      return error;
    });
  }
}
