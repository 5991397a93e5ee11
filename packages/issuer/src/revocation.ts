/** The revocation check for resource servers: is a token's session or id revoked, with a short-lived cache. */
import { LRUCache } from 'lru-cache';
import type { JwtPayload } from '@latchkey/core';
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import type { IssuerStore } from './store/types.js';

/** Default life of a cached "not revoked" answer in {@link RevocationCheckOptions}: 1,000 ms. */
export const DEFAULT_REVOCATION_CHECK_TTL_MS = 1000;
/** Default most answers kept by a revocation check's cache: 10,000 token ids and 10,000 sessions. */
export const DEFAULT_REVOCATION_CHECK_MAX_ENTRIES = 10_000;
/**
 * Largest {@link RevocationCheckOptions.cacheMaxEntries}: 1,000,000. The cache reserves its index for that
 * many entries of each kind up front, so a mistyped size would take the heap at start-up.
 */
export const MAX_REVOCATION_CHECK_ENTRIES = 1_000_000;

/** Options of `issuer.revocationCheck()`. */
export interface RevocationCheckOptions {
  /**
   * Milliseconds a "not revoked" answer is trusted without asking the store again. Revocations made by
   * this issuer reach the cache at once; others (another process writing the same store) within this bound.
   * Default {@link DEFAULT_REVOCATION_CHECK_TTL_MS}.
   */
  cacheTtlMs?: number;
  /** Most cached answers (each kind), at most {@link MAX_REVOCATION_CHECK_ENTRIES}. Default {@link DEFAULT_REVOCATION_CHECK_MAX_ENTRIES}. */
  cacheMaxEntries?: number;
}

/** An `isRevoked` for `createVerifier` of `@latchkey/core`, backed by the issuer's store. */
export interface RevocationCheck {
  /** True when the access token's id is denylisted, or its session (`fam`) revoked, ended or logged out everywhere. */
  isRevoked(payload: JwtPayload): Promise<boolean>;
}

/** The reads a revocation check makes (any {@link IssuerStore} has them). */
export type RevocationSource = Pick<IssuerStore, 'getFamily' | 'getUserEpoch' | 'isTokenDenied'>;

/** What a session lookup says: revoked, or alive since `createdAt` (compared with later user epochs). */
type SessionAnswer = { readonly revoked: true } | { readonly revoked: false; readonly createdAt: number; readonly endsAt: number | undefined };

/**
 * The one answer to "is this access token revoked?", read from the store: its `jti` denylisted; its session
 * (`sub` + `fam`) missing (expired, evicted: the session is over), revoked, past its absolute end, or created
 * at or before the user's revocation epoch (logout everywhere).
 */
export async function sessionRevoked(store: RevocationSource, userId: string, familyId: string, now = Date.now()): Promise<SessionAnswer> {
  const [record, epoch] = await Promise.all([store.getFamily(userId, familyId), store.getUserEpoch(userId)]);
  if (record === undefined || record.revokedAt !== undefined) return { revoked: true };
  if (record.sessionExpiresAt !== undefined && now >= record.sessionExpiresAt) return { revoked: true };
  if (epoch !== undefined && record.createdAt <= epoch) return { revoked: true };
  return { revoked: false, createdAt: record.createdAt, endsAt: record.sessionExpiresAt };
}

function positiveInteger(name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    throw new TypeError(`revocationCheck: "${name}" must be an integer ≥ 1${max === Number.MAX_SAFE_INTEGER ? '' : ` and ≤ ${max}`}`);
  return value;
}

/**
 * A revocation check with a bounded local cache, told of revocations as they happen (this issuer's own;
 * `@latchkey/redis` feeds it pub/sub messages from every instance), so they take effect at once. Revoked is final and cached until evicted; "not revoked" for `cacheTtlMs`.
 */
export class CachedRevocationCheck implements RevocationCheck {
  readonly #denied: LRUCache<string, boolean>;
  readonly #sessions: LRUCache<string, SessionAnswer>;
  // Users logged out everywhere while their sessions were cached as alive.
  readonly #epochs: LRUCache<string, number>;
  readonly #ttl: number;

  constructor(
    private readonly store: RevocationSource,
    private readonly jtiClaim: string,
    options: RevocationCheckOptions = {},
  ) {
    if (typeof options !== 'object' || options === null) throw new TypeError('revocationCheck: options must be an object');
    refuseUnknownKeys(options, ['cacheTtlMs', 'cacheMaxEntries'], 'revocationCheck options');
    const ttl = positiveInteger('cacheTtlMs', options.cacheTtlMs, DEFAULT_REVOCATION_CHECK_TTL_MS);
    const max = positiveInteger('cacheMaxEntries', options.cacheMaxEntries, DEFAULT_REVOCATION_CHECK_MAX_ENTRIES, MAX_REVOCATION_CHECK_ENTRIES);
    this.#ttl = ttl;
    // Bound: `createVerifier({ isRevoked: check.isRevoked })` passes the method on its own.
    this.isRevoked = this.isRevoked.bind(this);
    this.#denied = new LRUCache({ max, ttl });
    this.#sessions = new LRUCache({ max, ttl });
    this.#epochs = new LRUCache({ max, ttl });
  }

  /** Forgets every cached answer (e.g. when revocation messages may have been lost). */
  clear(): void {
    this.#denied.clear();
    this.#sessions.clear();
    this.#epochs.clear();
  }

  /** A session was revoked (by this issuer, or a message from another instance said so). */
  sessionRevoked(familyId: string): void {
    this.#sessions.set(familyId, { revoked: true }, { ttl: 0 });
  }

  /** A user was logged out everywhere at `epoch`. */
  userRevoked(userId: string, epoch: number): void {
    // Kept as long as a cached "alive" answer can be: after that the store is asked again anyway.
    this.#epochs.set(userId, Math.max(epoch, this.#epochs.get(userId) ?? -Infinity));
  }

  /** An access token id was denylisted. */
  tokenDenied(jti: string): void {
    this.#denied.set(jti, true, { ttl: 0 });
  }

  #aliveFor(endsAt: number | undefined): { ttl?: number } {
    if (endsAt === undefined) return {};
    return { ttl: Math.max(1, Math.min(this.#ttl, endsAt - Date.now())) };
  }

  async isRevoked(payload: JwtPayload): Promise<boolean> {
    const jti = payload[this.jtiClaim];
    if (typeof jti === 'string') {
      let denied = this.#denied.get(jti);
      if (denied === undefined) {
        denied = await this.store.isTokenDenied(jti);
        if (this.#denied.get(jti) !== true) this.#denied.set(jti, denied, denied ? { ttl: 0 } : {});
      }
      if (denied) return true;
    }
    const { fam, sub } = payload;
    // Not one of the issuer's session tokens: nothing more to check.
    if (typeof fam !== 'string' || typeof sub !== 'string') return false;
    let answer = this.#sessions.get(fam);
    if (answer === undefined) {
      answer = await sessionRevoked(this.store, sub, fam);
      // A revocation noted while the store was being read wins over the older answer.
      // An "alive" answer never outlives the session's absolute end.
      if (this.#sessions.get(fam)?.revoked !== true) this.#sessions.set(fam, answer, answer.revoked ? { ttl: 0 } : this.#aliveFor(answer.endsAt));
    }
    if (answer.revoked) return true;
    const epoch = this.#epochs.get(sub);
    return epoch !== undefined && answer.createdAt <= epoch;
  }
}
