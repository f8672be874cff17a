export {
  createRedisTokenCache,
  type RedisTokenCache,
  type RedisTokenCacheOptions,
} from "./redis-token-cache.js";
