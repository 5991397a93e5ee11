/** `redisRevocationCheck`: the revocation check over Redis, with a local cache cleared by pub/sub messages. */
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import type { JwtPayload } from '@latchkey/core';
import { CachedRevocationCheck, MAX_REVOCATION_CHECK_ENTRIES } from '@latchkey/issuer';
import { checkClient, type RedisClientLike } from './client.js';
import { DEFAULT_KEY_PREFIX, keyNames } from './keys.js';
import { commandTimeout, positiveInteger } from './options.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, redisStore } from './store.js';
import { withTimeout } from './timeout.js';

/** Default most answers kept by the local cache: 10,000 token ids, 10,000 sessions, 10,000 user epochs. */
export const DEFAULT_REVOCATION_CACHE_MAX_ENTRIES = 10_000;
/**
 * Default life of a cached "not revoked" answer: 5,000 ms. This is the worst-case delay before a
 * revocation is seen when pub/sub messages are lost (subscriber disconnected); with pub/sub up it is
 * the time of one message (milliseconds).
 */
export const DEFAULT_REVOCATION_CACHE_TTL_MS = 5000;

/** A pub/sub subscriber connection (ioredis: `client.duplicate()`); a subscribed connection runs no other commands. */
export interface RedisSubscriberLike {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

/** Options of {@link redisRevocationCheck}. */
export interface RedisRevocationCheckOptions {
  /** The client for lookups (shared with the store, or any ioredis `Redis`/`Cluster`). Required. */
  client: RedisClientLike;
  /** A dedicated subscriber connection for invalidations. Required. */
  subscriber: RedisSubscriberLike;
  /** Same prefix as the issuer's {@link redisStore}. Default `latchkey:`. */
  keyPrefix?: string;
  /** Bound of each local cache (entries). Default {@link DEFAULT_REVOCATION_CACHE_MAX_ENTRIES}. */
  cacheMaxEntries?: number;
  /** Milliseconds a "not revoked" answer is trusted without Redis. Default {@link DEFAULT_REVOCATION_CACHE_TTL_MS}. */
  cacheTtlMs?: number;
  /** Milliseconds a lookup waits for Redis. Default 1,000. */
  commandTimeoutMs?: number;
  /** What an unanswerable lookup means: `'revoked'` (fail closed, the default) or `'not-revoked'` (fail open). */
  whenUnavailable?: 'revoked' | 'not-revoked';
  /** The claim holding the token id. Default `jti`. (The session is read from `sub` and `fam`, as the issuer writes them.) */
  jtiClaim?: string;
}

/** An `isRevoked` for `createVerifier`, and `close()` to unsubscribe at shutdown. */
export interface RedisRevocationCheck {
  isRevoked(payload: JwtPayload): Promise<boolean>;
  /**
   * Resolves once the subscription is active (call at start-up; invalidations are missed before). Rejects
   * while the latest attempt failed (Redis down); a failed one is sent again on each reconnection.
   */
  ready(): Promise<void>;
  close(): Promise<void>;
}

const OPTION_NAMES = ['client', 'subscriber', 'keyPrefix', 'cacheMaxEntries', 'cacheTtlMs', 'commandTimeoutMs', 'whenUnavailable', 'jtiClaim'] as const;

/**
 * Revocation for resource servers, read from the Redis the issuer writes: a token is revoked when its id is
 * denylisted, or its session (`sub` + `fam`) is revoked, gone, past its absolute end, or from before the
 * user's revocation epoch (logout everywhere). Answers are cached locally (bounded LRU, the issuer's
 * `CachedRevocationCheck`), and the issuer's scripts publish every revocation (`jti:`, `fam:`, `user:`),
 * which reaches the cache of every instance at once. Revoked is final; "not revoked" answers expire after
 * `cacheTtlMs`, the documented bound when pub/sub is down, and the cache is cleared whenever the subscriber
 * (re)connects, since messages may have been lost meanwhile.
 *
 * @example
 * const revocation = redisRevocationCheck({ client, subscriber: client.duplicate() });
 * await revocation.ready();
 * const verifier = createVerifier({ ...options, isRevoked: revocation.isRevoked });
 */
export function redisRevocationCheck(options: RedisRevocationCheckOptions): RedisRevocationCheck {
  if (typeof options !== 'object' || options === null) throw new TypeError('redisRevocationCheck: options must be an object');
  refuseUnknownKeys(options, OPTION_NAMES, 'redisRevocationCheck options');
  const { client, subscriber } = options;
  checkClient('redisRevocationCheck', client);
  if (typeof subscriber?.subscribe !== 'function') throw new TypeError('redisRevocationCheck: "subscriber" must be a Redis connection for pub/sub');
  const cacheMaxEntries = positiveInteger(
    'redisRevocationCheck',
    'cacheMaxEntries',
    options.cacheMaxEntries,
    DEFAULT_REVOCATION_CACHE_MAX_ENTRIES,
    MAX_REVOCATION_CHECK_ENTRIES,
  );
  const cacheTtlMs = positiveInteger('redisRevocationCheck', 'cacheTtlMs', options.cacheTtlMs, DEFAULT_REVOCATION_CACHE_TTL_MS);
  const commandTimeoutMs = commandTimeout('redisRevocationCheck', options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS);
  if (options.whenUnavailable !== undefined && options.whenUnavailable !== 'revoked' && options.whenUnavailable !== 'not-revoked') {
    throw new TypeError('redisRevocationCheck: "whenUnavailable" must be "revoked" or "not-revoked"');
  }
  const failClosed = (options.whenUnavailable ?? 'revoked') === 'revoked';
  // A claim name that can never be present would skip the denylist without a word.
  const jtiClaim = options.jtiClaim ?? 'jti';
  if (typeof jtiClaim !== 'string' || jtiClaim === '') throw new TypeError('redisRevocationCheck: "jtiClaim" must be a non-empty claim name');
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const channel = keyNames(keyPrefix).channel;
  // The same reads the issuer makes, with the same deadline; only reads (no script runs here).
  const reads = redisStore({ client, keyPrefix, commandTimeoutMs });
  const cache = new CachedRevocationCheck(reads, jtiClaim, { cacheTtlMs, cacheMaxEntries });

  subscriber.on('message', (from, message) => {
    if (from !== channel) return;
    const colon = message.indexOf(':');
    const kind = message.slice(0, colon);
    const rest = message.slice(colon + 1);
    if (kind === 'jti') cache.tokenDenied(rest);
    else if (kind === 'fam') cache.sessionRevoked(rest);
    else if (kind === 'user') {
      // user:<epoch>:<user id> (the id last: it may contain colons).
      const split = rest.indexOf(':');
      cache.userRevoked(rest.slice(split + 1), Number(rest.slice(0, split)));
    }
  });
  // ioredis re-subscribes on reconnect only to channels it once subscribed to: a SUBSCRIBE that failed (Redis
  // down at start-up) is sent again on every (re)connection, or invalidation would stay off for good. A
  // repeated SUBSCRIBE is a no-op in Redis. Each (re)connection also drops the answers cached meanwhile.
  const subscribe = (): Promise<unknown> => {
    const attempt = subscriber.subscribe(channel);
    attempt.catch(() => undefined);
    return attempt;
  };
  let closed = false;
  let subscribed = subscribe();
  subscriber.on('ready', () => {
    cache.clear();
    if (!closed) subscribed = subscribe();
  });

  return {
    async isRevoked(payload) {
      try {
        return await cache.isRevoked(payload);
      } catch {
        return failClosed;
      }
    },
    // Both within commandTimeoutMs: a subscriber whose Redis is down (its offline queue holding the command)
    // must neither hold start-up until the client gives up retrying, nor hold shutdown at all.
    async ready() {
      const attempt = subscribed;
      await withTimeout(() => attempt, commandTimeoutMs);
    },
    async close() {
      closed = true;
      await withTimeout(() => subscriber.unsubscribe(channel), commandTimeoutMs).catch(() => undefined);
    },
  };
}
