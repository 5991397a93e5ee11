/**
 * Where DPoP proof `jti` values are remembered (RFC 9449 §11.1). Only the interface and a bounded
 * in-memory default live here, so a shared store (Redis) can implement the same contract later.
 */

/** A store of proof identifiers seen within the `iat` window. */
export interface DpopReplayStore {
  /**
   * Records `jti` for `ttlSeconds` and resolves `true` when it was not already present (first use),
   * `false` when it was (a replay). Must be atomic: two concurrent calls with the same `jti` may not
   * both resolve `true`. A store that cannot record (down, full) throws or rejects: the request fails
   * closed, with the error's own status when it has one (503 for {@link ReplayStoreFullError}).
   */
  remember(jti: string, ttlSeconds: number): Promise<boolean> | boolean;
}

/**
 * Thrown by {@link createMemoryReplayStore} when it is full of identifiers still in their window: the proof
 * is refused, as a server-side 503 (with `Retry-After`: when the oldest leaves) that Express's, Koa's and
 * Fastify's own error handling render, rather than a 401 that would blame the client's proof.
 */
export class ReplayStoreFullError extends Error {
  readonly code = 'ERR_DPOP_REPLAY_STORE_FULL';
  readonly status = 503;
  readonly statusCode = 503;
  /** Koa and http-errors: the message is not shown to the client. */
  readonly expose = false;
  readonly headers: Readonly<Record<'retry-after', string>>;

  constructor(retryAfterSeconds: number) {
    super('the DPoP replay store is full of identifiers still in their window');
    this.name = 'ReplayStoreFullError';
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

/** Default capacity of {@link createMemoryReplayStore}: 100 000 identifiers. */
export const DEFAULT_REPLAY_STORE_ENTRIES = 100_000;

/**
 * A bounded in-memory replay store for one process. An identifier is never dropped while its TTL runs:
 * when the store is full of live ones, a new proof is refused ({@link ReplayStoreFullError}: fail closed)
 * rather than an old identifier evicted, which would let a flood of valid proofs re-open a captured
 * proof's replay inside its `iat` window. Entries expire with the window, so the refusal lasts at most that long.
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
      if (seen.size >= maxEntries) {
        const oldestExpiry = seen.values().next().value ?? at;
        throw new ReplayStoreFullError(Math.max(1, Math.ceil((oldestExpiry - at) / 1000)));
      }
      seen.set(jti, at + Math.max(1, Math.ceil(ttlSeconds * 1000)));
      return true;
    },
  };
}
