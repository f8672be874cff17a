/**
 * How many request-body bytes a forwarder holds in memory at once (to replay them after a 401).
 * A body that does not fit the room left is streamed once instead: slow or stalled uploads
 * cannot make the forwarder hold more than this, whatever the number of connections.
 */
export class HeldBodiesBudget {
  #available: number;

  /** @param totalBytes - The room for all held bodies together. */
  constructor(totalBytes: number) {
    this.#available = totalBytes;
  }

  /**
   * Reserves room for a body of `length` bytes (its `Content-Length`) when it is at most
   * `limit` and fits: resolves the bytes reserved, 0 when the body must stream.
   */
  reserve(length: number | undefined, limit: number): number {
    if (length === undefined || !(length > 0) || length > limit || length > this.#available) {
      return 0;
    }
    this.#available -= length;
    return length;
  }

  /** Gives back what {@link HeldBodiesBudget.reserve} reserved. */
  release(bytes: number): void {
    this.#available += bytes;
  }
}
