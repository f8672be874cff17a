import type { IncomingHttpHeaders } from "node:http";

/**
 * The upstream raw headers with our DPoP proof as the only `DPoP` header: a client's own proof
 * (made for the forwarder's URL, or by someone else's key) never travels beside ours.
 */
export function withDPoPProof(rawHeaders: string[], proof: string | undefined): string[] {
  if (proof === undefined) return rawHeaders;
  const headers: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string;
    if (name.toLowerCase() === "dpop") continue;
    headers.push(name, rawHeaders[index + 1] as string);
  }
  headers.push("dpop", proof);
  return headers;
}

/** One response header of the target by lower-case name, repeated values joined. */
export function targetHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}
