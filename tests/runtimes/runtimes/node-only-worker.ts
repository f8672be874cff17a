// A Worker that imports the Node-only packages statically, as a user's Worker would: wrangler's
// bundling must succeed, and the Worker must fail at startup with the packages' own message.
import { AzureADCredential } from "@proxy-auth/azure";
import { createRedisTokenCache } from "@proxy-auth/cache-redis";

export default {
  fetch(): Response {
    return new Response(`${typeof AzureADCredential} ${typeof createRedisTokenCache}`);
  },
};
