/** `redisLimiterStore`: the login limiter's counters in Redis, shared by every issuer instance. */
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import { StoreUnavailableError, type LimiterStore } from '@latchkey/issuer';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { DEFAULT_KEY_PREFIX } from './keys.js';
import { commandTimeout } from './options.js';
import { DEFAULT_COMMAND_TIMEOUT_MS } from './store.js';

/** Options of {@link redisLimiterStore}. */
export interface RedisLimiterStoreOptions {
  /** An ioredis `Redis` (or `Cluster`) client, already configured; this package never opens connections. */
  client: unknown;
  /** Prefix of every counter key. Default `latchkey:` ({@link DEFAULT_KEY_PREFIX}), like the store's keys. */
  keyPrefix?: string;
  /**
   * Milliseconds one counter call waits for Redis; past it the login gets 503, like a Redis that is down.
   * Default {@link DEFAULT_COMMAND_TIMEOUT_MS} (1,000).
   */
  commandTimeoutMs?: number;
}

/** The limiter calls the login limiter makes, each given a deadline. */
const TIMED_CALLS = ['consume', 'reward', 'delete', 'get', 'penalty', 'block'] as const;

/**
 * `work`, or a `StoreUnavailableError` once `timeoutMs` passes first. Its own outcome is passed on
 * untouched: a refusal is rate-limiter-flexible's `RateLimiterRes`, not an error, and must stay one.
 */
async function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`redis did not answer the login limiter within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The issuer's login counters on Redis, shared by every instance: rate-limiter-flexible's
 * `RateLimiterRedis` (one atomic `SET … NX` + `INCR` script per attempt, keys expiring with the window)
 * over your existing ioredis client. A Redis that is down, not ready, or slower than `commandTimeoutMs`
 * rejects the attempt, and the issuer answers 503: logins are never let through uncounted, and none waits
 * on a Redis that has stopped answering (`rejectIfRedisNotReady` sees only the connection's state).
 *
 * @example createIssuer({ …, loginLimits: { store: redisLimiterStore({ client: redis }) } })
 */
export function redisLimiterStore(options: RedisLimiterStoreOptions): LimiterStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('redisLimiterStore: options are required');
  refuseUnknownKeys(options, ['client', 'keyPrefix', 'commandTimeoutMs'], 'redisLimiterStore options');
  const { client } = options;
  if (typeof (client as { eval?: unknown } | undefined)?.eval !== 'function')
    throw new TypeError('redisLimiterStore: "client" must be an ioredis Redis or Cluster client');
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof prefix !== 'string') throw new TypeError('redisLimiterStore: "keyPrefix" must be a string');
  const timeoutMs = commandTimeout('redisLimiterStore', options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS);
  return {
    create: ({ keyPrefix, points, durationSeconds, blockDurationSeconds }) => {
      const limiter = new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${prefix}${keyPrefix.replace(/^latchkey:/, '')}`,
        points,
        duration: durationSeconds,
        blockDuration: blockDurationSeconds,
        rejectIfRedisNotReady: true,
      });
      for (const name of TIMED_CALLS) {
        const call = limiter[name].bind(limiter) as (...args: unknown[]) => Promise<unknown>;
        (limiter as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => withDeadline(call(...args), timeoutMs);
      }
      return limiter;
    },
  };
}
