/**
 * @latchkey/redis: the `@latchkey/issuer` store on Redis (single server or Cluster) and a Redis-backed
 * `isRevoked` for `@latchkey/core` with a pub/sub-invalidated local cache.
 *
 * @packageDocumentation
 */
export { DEFAULT_COMMAND_TIMEOUT_MS, redisStore, type RedisStoreOptions } from './store.js';
export {
  DEFAULT_REVOCATION_CACHE_MAX_ENTRIES,
  DEFAULT_REVOCATION_CACHE_TTL_MS,
  redisRevocationCheck,
  type RedisRevocationCheck,
  type RedisRevocationCheckOptions,
  type RedisSubscriberLike,
} from './revocation.js';
export { DEFAULT_KEY_PREFIX } from './keys.js';
export { redisLimiterStore, type RedisLimiterStoreOptions } from './limiter-store.js';
export type { RedisClientLike } from './client.js';
export { redisReplayStore, type RedisReplayStoreOptions, type RedisSetClientLike } from './replay-store.js';
