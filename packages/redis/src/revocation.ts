import { LRUCache } from 'lru-cache';
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import type { JwtPayload } from '@latchkey/core';
import type { RedisClientLike } from './client.js';
import { DEFAULT_KEY_PREFIX, keyNames } from './keys.js';
import { DEFAULT_COMMAND_TIMEOUT_MS } from './store.js';
import { withTimeout } from './timeout.js';

/** Default most answers kept by the local cache: 10,000 token ids and 10,000 families. */
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
  /** The claim holding the token id. Default `jti`. */
  jtiClaim?: string;
}

/** An `isRevoked` for `createVerifier`, and `close()` to unsubscribe at shutdown. */
export interface RedisRevocationCheck {
  isRevoked(payload: JwtPayload): Promise<boolean>;
  /** Resolves once the subscription is active (call at start-up; invalidations are missed before). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

const OPTION_NAMES = ['client', 'subscriber', 'keyPrefix', 'cacheMaxEntries', 'cacheTtlMs', 'commandTimeoutMs', 'whenUnavailable', 'jtiClaim'] as const;

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new TypeError(`redisRevocationCheck: "${name}" must be an integer ≥ 1`);
  return value;
}

/**
 * Revocation for resource servers, read from the Redis the issuer writes: a token is revoked when its id
 * is denylisted or its family (`fam`) revoked. Answers are cached locally (bounded LRU), and the issuer's
 * scripts publish every revocation, which marks the cached entry revoked on every instance at once. A
 * revocation is final, so only "not revoked" answers expire (after `cacheTtlMs`, the documented bound when
 * pub/sub is down); the caches are cleared whenever the subscriber reconnects, since messages may be lost.
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
  if (typeof client?.exists !== 'function') throw new TypeError('redisRevocationCheck: "client" must be an ioredis Redis or Cluster');
  if (typeof subscriber?.subscribe !== 'function') throw new TypeError('redisRevocationCheck: "subscriber" must be a Redis connection for pub/sub');
  const max = positiveInteger('cacheMaxEntries', options.cacheMaxEntries, DEFAULT_REVOCATION_CACHE_MAX_ENTRIES);
  const ttl = positiveInteger('cacheTtlMs', options.cacheTtlMs, DEFAULT_REVOCATION_CACHE_TTL_MS);
  const timeoutMs = positiveInteger('commandTimeoutMs', options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS);
  const failClosed = (options.whenUnavailable ?? 'revoked') === 'revoked';
  if (options.whenUnavailable !== undefined && options.whenUnavailable !== 'revoked' && options.whenUnavailable !== 'not-revoked') {
    throw new TypeError('redisRevocationCheck: "whenUnavailable" must be "revoked" or "not-revoked"');
  }
  const jtiClaim = options.jtiClaim ?? 'jti';
  const keys = keyNames(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
  // One cache for both kinds, keyed `jti:<id>` / `fam:<id>` — the very strings the scripts publish.
  const cache = new LRUCache<string, boolean>({ max, ttl, ttlAutopurge: false });

  subscriber.on('message', (channel, message) => {
    if (channel !== keys.channel) return;
    // Revoked stays revoked: store the answer rather than deleting it (no extra lookup on the next request).
    cache.set(message, true, { ttl: 0 });
  });
  subscriber.on('ready', () => cache.clear());
  const subscribed = subscriber.subscribe(keys.channel);
  subscribed.catch(() => undefined);

  async function lookup(entry: string, key: string, fields: 'deny' | 'family'): Promise<boolean> {
    const cached = cache.get(entry);
    if (cached !== undefined) return cached;
    const revoked = fields === 'deny'
      ? (await withTimeout(() => client.exists(key), timeoutMs)) === 1
      : (await withTimeout(() => client.hgetall(key), timeoutMs)).revokedAt !== undefined;
    // A message that arrived during the lookup wins over the (older) answer.
    if (cache.get(entry) !== true) cache.set(entry, revoked, revoked ? { ttl: 0 } : {});
    return revoked;
  }

  return {
    async isRevoked(payload) {
      try {
        const jti = payload[jtiClaim];
        if (typeof jti === 'string' && (await lookup(`jti:${jti}`, keys.denied(jti), 'deny'))) return true;
        const fam = payload.fam;
        return typeof fam === 'string' && (await lookup(`fam:${fam}`, keys.family(fam), 'family'));
      } catch {
        return failClosed;
      }
    },
    async ready() {
      await subscribed;
    },
    async close() {
      await subscriber.unsubscribe(keys.channel).catch(() => undefined);
    },
  };
}
