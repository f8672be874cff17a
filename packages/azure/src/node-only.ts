import { ConfigurationError } from "@proxy-auth/core";

// What Bun, Deno, Cloudflare Workers and browsers load instead of the package (the `bun`,
// `deno`, `workerd`, `worker`, `edge-light` and `browser` export conditions point here), so an
// import there fails with this message instead of a stack from deep inside @azure/identity.
// It exports the package's names, so a bundler (wrangler, Vite) builds and the message shows
// when the module loads.

function refuse(): never {
  throw new ConfigurationError(
    "@proxy-auth/azure runs on Node.js only: it is built on @azure/identity's Node credentials " +
      "(MSAL Node, managed identity, the Azure CLI), and is tested on Node alone. On Bun, Deno, " +
      "Cloudflare Workers or in a browser, get Entra ID tokens with GenericOAuth2Credential from " +
      "@proxy-auth/oauth2 (tokenUrl https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token).",
  );
}

/** Not available outside Node.js: loading this module throws a {@link ConfigurationError}. */
export const AzureADCredential: never = refuse();
