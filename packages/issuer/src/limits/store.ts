/** Where the login limiter keeps its counters: the `LimiterStore` interface and its in-memory default. */
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** One limit as the login limiter asks a store for it: `points` attempts per `durationSeconds`, then a block. */
export interface LimiterSettings {
  /** Distinguishes the limits in a shared backend (`login:account-address:`, `login:address:`). */
  readonly keyPrefix: string;
  readonly points: number;
  readonly durationSeconds: number;
  readonly blockDurationSeconds: number;
}

/**
 * Where the login counters live: makes one `rate-limiter-flexible` limiter per limit. In memory by default
 * ({@link memoryLimiterStore}, one process); `@latchkey/redis`'s `redisLimiterStore({ client })` shares them
 * between instances. A limiter whose backend fails rejects with an `Error` (not a `RateLimiterRes`): the
 * login is then answered 503, never let through unlimited.
 */
export interface LimiterStore {
  create(settings: LimiterSettings): RateLimiterAbstract;
}

/** Counters in this process's memory (rate-limiter-flexible's `RateLimiterMemory`): each key expires with its window. */
export function memoryLimiterStore(): LimiterStore {
  return {
    create: ({ keyPrefix, points, durationSeconds, blockDurationSeconds }) =>
      new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds, blockDuration: blockDurationSeconds }),
  };
}
