/**
 * The DPoP replay store on Redis (RFC 9449 §11.1): one proof identifier seen by any instance is refused
 * by every other. One `SET key 1 PX ttl NX` per proof: atomic (two instances racing with one proof get
 * one `OK`), expiring by itself, no script and no read.
 */
import { createHash } from 'node:crypto';
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import type { DpopReplayStore } from '@latchkey/core';
import { DEFAULT_KEY_PREFIX, hasLoneSurrogate } from './keys.js';
import { commandTimeout } from './options.js';
import { DEFAULT_COMMAND_TIMEOUT_MS } from './store.js';
import { withTimeout } from './timeout.js';

/** The one command this store sends. ioredis's `Redis` and `Cluster` have it as is. */
export interface RedisSetClientLike {
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<'OK' | null>;
}

/** Options of {@link redisReplayStore}. */
export interface RedisReplayStoreOptions {
  /** An ioredis `Redis` or `Cluster`, shared with the rest of the app. Required. */
  client: RedisSetClientLike;
  /** Prefix of every key. Default {@link DEFAULT_KEY_PREFIX} (`latchkey:`). */
  keyPrefix?: string;
  /**
   * Milliseconds a check waits for Redis. Past it (or with Redis down) the request fails with
   * `StoreUnavailableError` (503): a proof whose freshness cannot be checked is not accepted. Default 1,000.
   */
  commandTimeoutMs?: number;
}

const OPTION_NAMES = ['client', 'keyPrefix', 'commandTimeoutMs'] as const;

/**
 * The key of one identifier, hashed: it is the client's choice (up to a few hundred characters), the key
 * stays short. UTF-8 would turn every lone surrogate half into U+FFFD, so identifiers holding one would
 * share a key; those are hashed as UTF-16 under a key name of their own (well-formed ones keep theirs).
 */
function replayKey(jti: string): string {
  if (!hasLoneSurrogate(jti)) return `dpop:${createHash('sha256').update(jti).digest('base64url')}`;
  return `dpop16:${createHash('sha256').update(Buffer.from(jti, 'utf16le')).digest('base64url')}`;
}

/**
 * A {@link DpopReplayStore} shared by every instance through Redis. Pass it as `dpop.replayStore`.
 *
 * @example
 * authenticate({ verifier, dpop: { publicUrl: 'https://api.example.com', replayStore: redisReplayStore({ client }) } });
 */
export function redisReplayStore(options: RedisReplayStoreOptions): DpopReplayStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('redisReplayStore: options must be an object');
  refuseUnknownKeys(options, OPTION_NAMES, 'redisReplayStore options');
  const { client } = options;
  if (typeof client?.set !== 'function') throw new TypeError('redisReplayStore: "client" must be an ioredis Redis or Cluster');
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof prefix !== 'string') throw new TypeError('redisReplayStore: "keyPrefix" must be a string');
  const timeoutMs = commandTimeout('redisReplayStore', options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS);
  return {
    async remember(jti, ttlSeconds) {
      const key = `${prefix}${replayKey(jti)}`;
      const milliseconds = Math.max(1, Math.ceil(ttlSeconds * 1000));
      return (await withTimeout(() => client.set(key, '1', 'PX', milliseconds, 'NX'), timeoutMs)) === 'OK';
    },
  };
}
