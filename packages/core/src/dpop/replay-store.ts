/**
 * Where DPoP proof `jti` values are remembered (RFC 9449 §11.1). Only the interface and a bounded
 * in-memory default live here, so a shared store (Redis) can implement the same contract later.
 */

import { LRUCache } from 'lru-cache';

/** A store of proof identifiers seen within the `iat` window. */
export interface DpopReplayStore {
  /**
   * Records `jti` for `ttlSeconds` and resolves `true` when it was not already present (first use),
   * `false` when it was (a replay). Must be atomic: two concurrent calls with the same `jti` may not
   * both resolve `true`.
   */
  remember(jti: string, ttlSeconds: number): Promise<boolean> | boolean;
}

/** Default capacity of {@link createMemoryReplayStore}: 100 000 identifiers. */
export const DEFAULT_REPLAY_STORE_ENTRIES = 100_000;

/**
 * A bounded in-memory replay store for one process. When full, the oldest identifiers are evicted,
 * which is why the `iat` window must stay short: an evicted `jti` older than the window is refused by
 * the `iat` check anyway.
 */
export function createMemoryReplayStore(maxEntries = DEFAULT_REPLAY_STORE_ENTRIES): DpopReplayStore {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError(`createMemoryReplayStore: maxEntries must be a positive integer, got ${String(maxEntries)}`);
  }
  const seen = new LRUCache<string, true>({ max: maxEntries, ttlAutopurge: false });
  return {
    remember(jti, ttlSeconds) {
      // LRUCache#has honours the TTL, so an expired identifier counts as new again.
      if (seen.has(jti)) return false;
      seen.set(jti, true, { ttl: Math.max(1, Math.ceil(ttlSeconds * 1000)) });
      return true;
    },
  };
}
