import { ProxyAuthError } from "@proxy-auth/core";

/** The exit status of `serve` when its port is taken. */
export const EXIT_ADDRESS_IN_USE = 3;

/**
 * The forwarder's address is taken (`EADDRINUSE`): another forwarder, or another program,
 * listens there. Code `"ADDRESS_IN_USE"`.
 */
export class AddressInUseError extends ProxyAuthError {
  static override readonly code: string = "ADDRESS_IN_USE";
}

/**
 * A listen failure as the user should see it: `EADDRINUSE` becomes an {@link AddressInUseError}
 * saying what to change; any other error is returned as it is.
 */
export function listenFailure(error: unknown, host: string, port: number): unknown {
  if ((error as { code?: unknown } | null)?.code !== "EADDRINUSE") return error;
  return new AddressInUseError(
    `Port ${port} on ${host} is already in use (another proxy-auth serve, or another program): choose another with --port, or --port 0 for a free one.`,
    undefined,
    { cause: error },
  );
}
