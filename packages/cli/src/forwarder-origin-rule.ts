import type { IncomingHttpHeaders } from "node:http";
import { isLoopbackHost } from "@proxy-auth/core";

/**
 * The forwarder's rule for requests that may come from a web browser, when it has no local
 * key: a page may reach the token only from the forwarder's own origin (a loopback name with
 * its port). Refused: an `Origin` or `Referer` of any other origin (another local port, such as
 * a development server on `http://localhost:3000`, included), and a request the browser marks
 * as not same-origin (`Sec-Fetch-Site: cross-site` or `same-site`: an `<img>`, a form, a
 * navigation from another site). Programs (curl, SDKs) send none of these headers.
 *
 * @param headers - The request's headers.
 * @param ownPort - The port the forwarder listens on.
 * @returns Why the request is refused, or undefined when it may pass.
 */
export function browserRefusal(headers: IncomingHttpHeaders, ownPort: number): string | undefined {
  const site = headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return `Requests from web pages of other origins are refused (Sec-Fetch-Site: ${site === "same-site" ? "same-site" : "cross-site"}).`;
  }
  for (const name of ["origin", "referer"] as const) {
    const value = headers[name];
    if (value !== undefined && !isOwnOrigin(value, ownPort)) {
      return "Requests from web pages of other origins are refused: only the forwarder's own origin may send them.";
    }
  }
  return undefined;
}

function isOwnOrigin(value: string, ownPort: number): boolean {
  try {
    const url = new URL(value);
    const port = url.port === "" ? 80 : Number(url.port);
    return url.protocol === "http:" && isLoopbackHost(url.hostname) && port === ownPort;
  } catch {
    return false;
  }
}
