/** `redisLimiterStore`: the login limiter's counters in Redis, shared by every issuer instance. */
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import type { LimiterStore } from '@latchkey/issuer';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { DEFAULT_KEY_PREFIX } from './keys.js';

/** Options of {@link redisLimiterStore}. */
export interface RedisLimiterStoreOptions {
  /** An ioredis `Redis` (or `Cluster`) client, already configured; this package never opens connections. */
  client: unknown;
  /** Prefix of every counter key. Default `latchkey:` ({@link DEFAULT_KEY_PREFIX}), like the store's keys. */
  keyPrefix?: string;
}

/**
 * The issuer's login counters on Redis, shared by every instance: rate-limiter-flexible's
 * `RateLimiterRedis` (one atomic `SET … NX` + `INCR` script per attempt, keys expiring with the window)
 * over your existing ioredis client. A Redis that is down or not ready rejects the attempt, and the issuer
 * answers 503: logins are never let through uncounted.
 *
 * @example createIssuer({ …, loginLimits: { store: redisLimiterStore({ client: redis }) } })
 */
export function redisLimiterStore(options: RedisLimiterStoreOptions): LimiterStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('redisLimiterStore: options are required');
  refuseUnknownKeys(options, ['client', 'keyPrefix'], 'redisLimiterStore options');
  const { client } = options;
  if (typeof (client as { eval?: unknown } | undefined)?.eval !== 'function')
    throw new TypeError('redisLimiterStore: "client" must be an ioredis Redis or Cluster client');
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof prefix !== 'string') throw new TypeError('redisLimiterStore: "keyPrefix" must be a string');
  return {
    create: ({ keyPrefix, points, durationSeconds, blockDurationSeconds }) =>
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${prefix}${keyPrefix.replace(/^latchkey:/, '')}`,
        points,
        duration: durationSeconds,
        blockDuration: blockDurationSeconds,
        rejectIfRedisNotReady: true,
      }),
  };
}
