/** Default `Retry-After` of a 503 answered when the store is unavailable: 1 second. */
export const DEFAULT_STORE_RETRY_AFTER_SECONDS = 1;

/**
 * Thrown by a store whose backend cannot be reached or did not answer in time. The issuer answers the
 * request with `503` and `Retry-After` (RFC 9110 §15.6.4, §10.2.3) instead of a 500: the client may retry.
 * A store throwing it promises that the failed call changed nothing (its state changes are atomic).
 * Recognised by {@link isStoreUnavailableError} through `code`, not `instanceof` (duplicate installs).
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly code = 'ERR_STORE_UNAVAILABLE' as const;
  /** Seconds the client should wait before retrying (the `Retry-After` header). */
  readonly retryAfterSeconds: number;
  /**
   * 503, under both names the frameworks read, and the `Retry-After` header: thrown outside the issuer (a
   * DPoP replay store in a resource server's authenticator), it reaches Express's, Koa's and Fastify's own
   * error handling, which answer 503 with these headers instead of a 500.
   */
  readonly status = 503;
  readonly statusCode = 503;
  readonly headers: Readonly<Record<'retry-after', string>>;
  /** Koa: the message is about our backend, not for the client. */
  readonly expose = false;

  constructor(message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_STORE_RETRY_AFTER_SECONDS;
    this.headers = Object.freeze({ 'retry-after': String(this.retryAfterSeconds) });
  }
}

/** True for a {@link StoreUnavailableError}, from any copy of this package. */
export function isStoreUnavailableError(error: unknown): error is StoreUnavailableError {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_STORE_UNAVAILABLE';
}

/**
 * Thrown by a store that would have to forget a revocation to take a new one (a full denylist or epoch
 * table whose entries have not expired yet). Failing closed: the new revocation is refused loudly (the
 * caller answers 503) rather than an older one silently dropped, which would let a revoked token back in.
 * Entries leave only when the token they deny expires, so the condition is bounded by the TTLs.
 */
export class StoreCapacityError extends Error {
  /** Stable code for logs and monitoring. */
  readonly code = 'store_capacity';
  /** 503 and `Retry-After`, as {@link StoreUnavailableError}: thrown outside the issuer, frameworks answer 503, not 500. */
  readonly status = 503;
  readonly statusCode = 503;
  readonly headers: Readonly<Record<'retry-after', string>> = Object.freeze({ 'retry-after': String(DEFAULT_STORE_RETRY_AFTER_SECONDS) });
  /** Koa: the message is about our backend, not for the client. */
  readonly expose = false;
  constructor(message: string) {
    super(message);
    this.name = 'StoreCapacityError';
  }
}
