import type { IncomingHttpHeaders } from "node:http";
import { Transform } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import {
  isBase64urlCharacter,
  REDACTED,
  replaceJoseObjects,
  secretSpellings,
} from "@proxy-auth/core/internal";

/** A run longer than this is passed on rather than held: no token is this long. */
const MAX_HELD_RUN = 64 * 1024;
/** Encodings the forwarder can undo to look inside a body. */
const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  "x-gzip": createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** What the client is shown instead of the target's answer: redacted headers, and the body's way there. */
export interface RedactedResponse {
  headers: IncomingHttpHeaders;
  /** The body's transforms, in order (none for a response without a body). */
  transforms: Transform[];
}

/**
 * What the forwarder hands its client from the target's answer, so a target that echoes the
 * request (a 401 or 500 body quoting the `Authorization` header, a debugging header) never
 * gives the client the token: every token the forwarder has sent (raw and URL-encoded) is
 * replaced by `[redacted]` in headers and body, in every response; in an error response
 * (status 400 and above) every JWT-shaped string is too. The body is streamed, holding back only
 * what could be the start of a token (server-sent events still arrive as sent). A compressed
 * body is decompressed to be inspected (gzip, deflate, br); undefined for an encoding the
 * forwarder cannot read, which must not be passed on.
 *
 * @param status - The target's status.
 * @param headers - The target's headers, hop-by-hop ones already removed.
 * @param tokens - The tokens sent to the target (recent ones included).
 * @param bodyless - The response has no body (HEAD, 204, 304).
 */
export function redactedResponse(
  status: number,
  headers: IncomingHttpHeaders,
  tokens: readonly string[],
  bodyless: boolean,
): RedactedResponse | undefined {
  const secrets = secretSpellings(tokens);
  const tokenShaped = status >= 400;
  const shown: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    shown[name] = Array.isArray(value)
      ? value.map((item) => redactText(item, secrets, tokenShaped))
      : redactText(value, secrets, tokenShaped);
  }
  if (bodyless) return { headers: shown, transforms: [] };
  const transforms: Transform[] = [];
  const encoding = String(headers["content-encoding"] ?? "identity")
    .toLowerCase()
    .trim();
  if (encoding !== "identity" && encoding !== "") {
    const decoder = DECODERS[encoding];
    if (decoder === undefined) return undefined;
    transforms.push(decoder());
    delete shown["content-encoding"];
  }
  // Redaction may change the length: the body goes chunked.
  delete shown["content-length"];
  transforms.push(redactingStream(secrets, tokenShaped));
  return { headers: shown, transforms };
}

function redactText(text: string, secrets: readonly string[], tokenShaped: boolean): string {
  let result = text;
  for (const secret of secrets) result = result.split(secret).join(REDACTED);
  return tokenShaped ? replaceJoseObjects(result) : result;
}

/**
 * A byte stream with the secrets (and, with `tokenShaped`, JWT-shaped strings) replaced. Bytes
 * are handled as latin1 text, which maps each byte to one character and back unchanged.
 */
function redactingStream(secrets: readonly string[], tokenShaped: boolean): Transform {
  let carry = "";
  const emit = (text: string) => (tokenShaped ? replaceJoseObjects(text) : text);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let text = carry + chunk.toString("latin1");
      for (const secret of secrets) text = text.split(secret).join(REDACTED);
      let held = heldPrefix(text, secrets);
      if (tokenShaped) {
        const run = trailingRunLength(text);
        if (run <= MAX_HELD_RUN) held = Math.max(held, run);
      }
      carry = text.slice(text.length - held);
      const ready = text.slice(0, text.length - held);
      callback(null, ready.length === 0 ? undefined : Buffer.from(emit(ready), "latin1"));
    },
    flush(callback) {
      callback(null, carry.length === 0 ? undefined : Buffer.from(emit(carry), "latin1"));
    },
  });
}

/** The length of the longest end of `text` that begins one of the secrets (to wait for the rest). */
function heldPrefix(text: string, secrets: readonly string[]): number {
  let held = 0;
  for (const secret of secrets) {
    const first = secret[0] as string;
    const from = Math.max(0, text.length - secret.length + 1);
    for (
      let index = text.indexOf(first, from);
      index !== -1;
      index = text.indexOf(first, index + 1)
    ) {
      const length = text.length - index;
      if (length > held && secret.startsWith(text.slice(index))) held = length;
      if (length <= held) break;
    }
  }
  return held;
}

/**
 * Whether the target's `Transfer-Encoding` leaves the body readable: none, or `chunked` alone
 * (which the HTTP client undoes). A body sent with another transfer coding (`gzip, chunked`)
 * would pass to the client as bytes nobody looked inside, so it is not passed on.
 */
export function hasReadableTransfer(headers: IncomingHttpHeaders): boolean {
  const coding = headers["transfer-encoding"];
  // String(): a header sent twice arrives as a list, which is never `chunked` alone.
  return coding === undefined || String(coding).trim().toLowerCase() === "chunked";
}

/**
 * How many characters a JWT is made of (base64url and dots) end `text`: counted from the end, in
 * linear time (an anchored regex would retry from every start of a long run that is not at the
 * end, quadratically: a client's 250 KB model name quoted in an error stalled the forwarder 10 s).
 */
function trailingRunLength(text: string): number {
  let start = text.length;
  while (start > 0 && isJwtCharacter(text.charCodeAt(start - 1))) start--;
  return text.length - start;
}

/** A JWT's characters: base64url and the dots between its segments. */
function isJwtCharacter(code: number): boolean {
  return isBase64urlCharacter(code) || code === 0x2e;
}
