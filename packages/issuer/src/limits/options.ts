/** The `loginLimits` option: default limits, and their checking into a resolved form. */
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import { memoryLimiterStore, type LimiterStore } from './store.js';

/** One limit: `attempts` failed logins per `windowSeconds`; one more blocks for `blockSeconds`. */
export interface LimitOptions {
  attempts: number;
  windowSeconds: number;
  blockSeconds: number;
}

/** Per account and client address: 10 failures an hour, then 15 minutes' block. */
export const DEFAULT_ACCOUNT_ADDRESS_LIMIT: Readonly<LimitOptions> = Object.freeze({ attempts: 10, windowSeconds: 3600, blockSeconds: 900 });
/** Per client address, over every account: 100 failures a day, then an hour's block. */
export const DEFAULT_ADDRESS_LIMIT: Readonly<LimitOptions> = Object.freeze({ attempts: 100, windowSeconds: 86_400, blockSeconds: 3600 });

/** Options of the login limits (`loginLimits`). */
export interface LoginLimitsOptions {
  /** Where the counters live. Default `memoryLimiterStore()` (one process); many instances need a shared one. */
  store?: LimiterStore;
  /** Failures of one account from one address. Default {@link DEFAULT_ACCOUNT_ADDRESS_LIMIT}; `false`: off. */
  perAccountAndAddress?: LimitOptions | false;
  /** Failures from one address, any account (password spraying). Default {@link DEFAULT_ADDRESS_LIMIT}; `false`: off. */
  perAddress?: LimitOptions | false;
}

/** The login limits after checking: every default filled in; `false` for a limit that is off. */
export interface ResolvedLoginLimits {
  readonly store: LimiterStore;
  readonly perAccountAndAddress: LimitOptions | false;
  readonly perAddress: LimitOptions | false;
}

function limit(name: string, value: unknown, fallback: Readonly<LimitOptions>): LimitOptions | false {
  if (value === false) return false;
  if (value === undefined) return { ...fallback };
  if (typeof value !== 'object' || value === null)
    throw new TypeError(`createIssuer: "loginLimits.${name}" must be { attempts, windowSeconds, blockSeconds } or false`);
  refuseUnknownKeys(value, ['attempts', 'windowSeconds', 'blockSeconds'], `createIssuer loginLimits.${name}`);
  const resolved = { ...fallback, ...(value as Partial<LimitOptions>) };
  for (const [key, number] of Object.entries(resolved)) {
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 1)
      throw new TypeError(`createIssuer: "loginLimits.${name}.${key}" must be a whole number ≥ 1`);
  }
  return resolved;
}

/** Validates `loginLimits` once, at start-up; `false` turns the limits off (not advised). */
export function resolveLoginLimits(value: unknown): ResolvedLoginLimits | undefined {
  if (value === false) return undefined;
  const options = (value ?? {}) as LoginLimitsOptions;
  if (typeof options !== 'object' || options === null) throw new TypeError('createIssuer: "loginLimits" must be an object or false');
  refuseUnknownKeys(options, ['store', 'perAccountAndAddress', 'perAddress'], 'createIssuer loginLimits');
  const store = options.store ?? memoryLimiterStore();
  if (typeof store?.create !== 'function')
    throw new TypeError('createIssuer: "loginLimits.store" must have create(settings) (memoryLimiterStore(), redisLimiterStore({ client }))');
  return {
    store,
    perAccountAndAddress: limit('perAccountAndAddress', options.perAccountAndAddress, DEFAULT_ACCOUNT_ADDRESS_LIMIT),
    perAddress: limit('perAddress', options.perAddress, DEFAULT_ADDRESS_LIMIT),
  };
}
