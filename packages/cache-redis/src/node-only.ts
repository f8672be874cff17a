import { ConfigurationError } from "@proxy-auth/core";

// What Bun, Deno, Cloudflare Workers and browsers load instead of the package (the `bun`,
// `deno`, `workerd`, `worker`, `edge-light` and `browser` export conditions point here), so an
// import there fails with this message instead of a stack from deep inside ioredis.
// It exports the package's names, so a bundler (wrangler, Vite) builds and the message shows
// when the module loads.

function refuse(): never {
  throw new ConfigurationError(
    "@proxy-auth/cache-redis runs on Node.js only: it is built on ioredis, which needs Node's " +
      "TCP sockets (node:net, node:tls), and is tested on Node alone. Elsewhere, keep the " +
      "default in-memory cache, or give ProxyAuthHandler a TokenCache of your own (see " +
      "@proxy-auth/core).",
  );
}

/** Not available outside Node.js: loading this module throws a {@link ConfigurationError}. */
export const createRedisTokenCache: never = refuse();
