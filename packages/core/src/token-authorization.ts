import type { ProxyAuthError } from "./errors.js";

/**
 * What {@link ProxyAuthHandler.authorize} resolves: the token to send, or (with
 * `onTokenError: "warn"`) the reason there is none, so the request can go on without it and a
 * later 401 can name the real cause.
 */
export type TokenAuthorization =
  | {
      /** The access token to send. */
      readonly token: string;
      /** The token's type as the credential gave it (`"DPoP"`: each request needs a proof). */
      readonly tokenType?: string | undefined;
      readonly error?: undefined;
    }
  | {
      readonly token?: undefined;
      /** Why no token could be had (the handler has already warned about it). */
      readonly error: ProxyAuthError;
    };
