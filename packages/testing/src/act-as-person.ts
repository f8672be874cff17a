/** Options of {@link actAsPerson}. */
export interface ActAsPersonOptions {
  /** The login name typed into the provider's login page; it becomes the token's `sub`. */
  login: string;
  /** Whether the person approves the request. Default `"allow"`. */
  consent?: "allow" | "deny";
  /** Pages visited at most, redirects included. Default 20. */
  maxSteps?: number;
}

/** Where {@link actAsPerson} stopped: the last page, which is no form to fill. */
export interface PersonOutcome {
  url: string;
  status: number;
  body: string;
}

/**
 * Plays a person in a browser: opens `url` (a device flow's `verification_uri_complete` or an
 * authorization URL), follows redirects with cookies, and fills the test identity provider's
 * own pages — the device code confirmation, the login form and the consent form — until a page
 * without a form (the device flow's success page, or the answer of a loopback redirect target,
 * which is fetched as a browser would).
 *
 * @example
 * ```ts
 * const idp = await startIdentityProvider({ signInClients: [DEFAULT_SIGN_IN_CLIENT] });
 * const answer = await fetch(`${idp.issuer}/device/auth`, {
 *   method: "POST",
 *   body: new URLSearchParams({ client_id: DEFAULT_SIGN_IN_CLIENT.clientId, scope: "openid" }),
 * });
 * const { verification_uri_complete } = (await answer.json()) as { verification_uri_complete: string };
 * const outcome = await actAsPerson(verification_uri_complete, { login: "ada" });
 * console.log(outcome.body); // the provider's "Sign-in Success" page
 * ```
 */
export async function actAsPerson(
  url: string,
  options: ActAsPersonOptions,
): Promise<PersonOutcome> {
  const cookies = new Map<string, string>();
  let request: PageAction = {
    url: new URL(url),
    method: "GET",
  };
  // After the person cancels, the page that follows is where they stop.
  let aborted = false;
  for (let step = 0; step < (options.maxSteps ?? 20); step++) {
    const response = await fetch(request.url, {
      method: request.method,
      redirect: "manual",
      headers: {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
        ...(request.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(request.form ? { body: request.form.toString() } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      if (at > 0) cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      request = { url: new URL(location, request.url), method: "GET" };
      continue;
    }
    const body = await response.text();
    const next: PageAction | undefined = aborted
      ? undefined
      : nextRequest(body, request.url, options.consent ?? "allow", options.login);
    if (next === undefined) return { url: request.url.href, status: response.status, body };
    aborted = next.aborts === true;
    request = next;
  }
  throw new Error(`actAsPerson: still filling forms after ${options.maxSteps ?? 20} pages.`);
}

/** A request the person's browser makes; `aborts` when it cancels the sign-in. */
interface PageAction {
  url: URL;
  method: "GET" | "POST";
  form?: URLSearchParams;
  aborts?: boolean;
}

/** What the person does on a page: submit its form (or abort), or nothing. */
function nextRequest(
  html: string,
  base: URL,
  consent: "allow" | "deny",
  login: string,
): PageAction | undefined {
  const formMatch = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (formMatch === undefined || formMatch === null) return undefined;
  const [, attributes = "", inner = ""] = formMatch;
  const action = new URL(decode(attribute(attributes, "action") ?? base.href), base);
  const form = new URLSearchParams();
  for (const [input] of inner.matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(input, "name");
    if (name !== undefined) form.set(name, decode(attribute(input, "value") ?? ""));
  }
  if (form.has("login")) {
    form.set("login", login);
    form.set("password", "any password");
  }
  if (consent === "deny") {
    // The consent page's "Cancel" link, or the device confirmation's "Abort" button.
    if (form.get("prompt") === "consent") {
      const abort = /href="([^"]*\/abort)"/.exec(html)?.[1];
      if (abort !== undefined) {
        return { url: new URL(decode(abort), base), method: "GET", aborts: true };
      }
    }
    if (form.get("confirm") === "yes") {
      form.delete("confirm");
      form.set("abort", "yes");
      return { url: action, method: "POST", form, aborts: true };
    }
  }
  return { url: action, method: "POST", form };
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\b${name}="([^"]*)"`, "i").exec(tag)?.[1];
}

function decode(text: string): string {
  return text
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&#x27;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}
