/** Login throttling: counts failed logins per account and address and per address, and refuses past the limits. */
import { createHash } from 'node:crypto';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { StoreUnavailableError } from '../store/errors.js';
import type { LimitOptions, ResolvedLoginLimits } from './options.js';

/** Which limit refused a login. */
export type LimitScope = 'account-address' | 'address';

/** A login attempt that may go on, or the refusal. */
export type Attempt =
  { readonly limited: false; succeeded(): Promise<void> } | { readonly limited: true; readonly scope: LimitScope; readonly retryAfterSeconds: number };

interface Bucket {
  readonly scope: LimitScope;
  readonly limiter: RateLimiterAbstract;
  readonly key: string;
}

const isLimiterRes = (value: unknown): value is RateLimiterRes =>
  typeof (value as RateLimiterRes | null)?.msBeforeNext === 'number' && !(value instanceof Error);

/** The longest refusal among the settled charges of `buckets`, or `undefined`; a store failure throws. */
function refusalOf(buckets: readonly Bucket[], results: ReadonlyArray<PromiseSettledResult<unknown>>): { scope: LimitScope; ms: number } | undefined {
  let refusal: { scope: LimitScope; ms: number } | undefined;
  for (const [index, result] of results.entries()) {
    if (result.status === 'fulfilled') continue;
    if (!isLimiterRes(result.reason)) throw new StoreUnavailableError('the login limiter store did not answer', { cause: result.reason });
    if (refusal === undefined || result.reason.msBeforeNext > refusal.ms) refusal = { scope: buckets[index]!.scope, ms: result.reason.msBeforeNext };
  }
  return refusal;
}

/**
 * The login back-off, after rate-limiter-flexible's "consecutive failures by user name and IP" pattern.
 * Two counters per attempt, taken *before* the password is checked (so a burst of parallel guesses cannot
 * all slip past a check-then-count): one per account and address, the tight one, and one per address.
 * A success deletes the account+address counter and gives the address its point back. A correct password
 * from another address has its own counter, so an attacker's failures never lock the real user out; only
 * the attacker's own address gets blocked.
 */
export class LoginLimiter {
  private readonly limits: Array<{ scope: LimitScope; limiter: RateLimiterAbstract }> = [];

  constructor(settings: ResolvedLoginLimits) {
    const make = (scope: LimitScope, limit: LimitOptions): void => {
      this.limits.push({
        scope,
        limiter: settings.store.create({
          keyPrefix: `latchkey:login:${scope}`,
          points: limit.attempts,
          durationSeconds: limit.windowSeconds,
          blockDurationSeconds: limit.blockSeconds,
        }),
      });
    };
    if (settings.perAccountAndAddress !== false) make('account-address', settings.perAccountAndAddress);
    if (settings.perAddress !== false) make('address', settings.perAddress);
  }

  /** Counts an attempt of `username` from `address` (the framework's trusted-proxy view of the client). */
  async attempt(username: string, address: string | undefined): Promise<Attempt> {
    const where = address ?? 'unknown';
    // A hash keeps user names out of the counter store and bounds the key length whatever was sent.
    const account = createHash('sha256').update(username).digest('base64url').slice(0, 22);
    const buckets: Bucket[] = this.limits.map(({ scope, limiter }) => ({ scope, limiter, key: scope === 'address' ? where : `${account}|${where}` }));
    // The address first, alone: an address already blocked is refused before any per-account counter is
    // made, so a blocked client cycling user names allocates nothing (the account counters one address can
    // create are bounded by its own limit).
    const perAddress = buckets.filter((bucket) => bucket.scope === 'address');
    const accounts = buckets.filter((bucket) => bucket.scope !== 'address');
    let refusal = refusalOf(perAddress, await Promise.allSettled(perAddress.map(({ limiter, key }) => limiter.consume(key))));
    if (refusal === undefined) refusal = refusalOf(accounts, await Promise.allSettled(accounts.map(({ limiter, key }) => limiter.consume(key))));
    if (refusal !== undefined) return { limited: true, scope: refusal.scope, retryAfterSeconds: Math.max(1, Math.ceil(refusal.ms / 1000)) };
    return {
      limited: false,
      succeeded: async () => {
        // Best effort: a counter left behind expires with its window; the login already succeeded.
        await Promise.allSettled(buckets.map(({ scope, limiter, key }) => (scope === 'address' ? limiter.reward(key, 1) : limiter.delete(key))));
      },
    };
  }
}
