/**
 * Thrown by a store that would have to forget a revocation to take a new one (a full denylist or epoch
 * table whose entries have not expired yet). Failing closed: the new revocation is refused loudly (the
 * caller answers 503) rather than an older one silently dropped, which would let a revoked token back in.
 * Entries leave only when the token they deny expires, so the condition is bounded by the TTLs.
 */
export class StoreCapacityError extends Error {
  /** Stable code for logs and monitoring. */
  readonly code = 'store_capacity';
  constructor(message: string) {
    super(message);
    this.name = 'StoreCapacityError';
  }
}
