/**
 * Where DPoP proof `jti` values are remembered (RFC 9449 §11.1). Only the interface and a bounded
 * in-memory default live here, so a shared store (Redis) can implement the same contract later.
 */

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
 * A bounded in-memory replay store for one process. An identifier is never dropped while its TTL runs:
 * when the store is full of live ones, a new proof is refused (answered as seen: fail closed) rather than
 * an old identifier evicted, which would let a flood of valid proofs re-open a captured proof's replay
 * inside its `iat` window. Entries expire with the window, so the refusal lasts at most that long.
 */
export function createMemoryReplayStore(maxEntries = DEFAULT_REPLAY_STORE_ENTRIES, now: () => number = Date.now): DpopReplayStore {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError(`createMemoryReplayStore: maxEntries must be a positive integer, got ${String(maxEntries)}`);
  }
  // jti -> expiry (ms), in insertion order: the first entry is the oldest, and (every proof getting the
  // same TTL) the first to expire. A few expired ones are dropped from the front on each call: constant
  // work per call, whatever the size.
  const seen = new Map<string, number>();
  const dropExpiredFromFront = (at: number): void => {
    for (let dropped = 0; dropped < 4; dropped++) {
      const oldest = seen.entries().next();
      if (oldest.done === true || oldest.value[1] > at) return;
      seen.delete(oldest.value[0]);
    }
  };
  return {
    remember(jti, ttlSeconds) {
      const at = now();
      dropExpiredFromFront(at);
      const expiry = seen.get(jti);
      if (expiry !== undefined && expiry > at) return false;
      // An expired entry of this jti is written anew at the back, so the order stays by age.
      seen.delete(jti);
      if (seen.size >= maxEntries) return false;
      seen.set(jti, at + Math.max(1, Math.ceil(ttlSeconds * 1000)));
      return true;
    },
  };
}
