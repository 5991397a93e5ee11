/** The verified-token cache: bounded, keyed by the whole token, never past exp or the trust in its key. */
import { LRUCache } from 'lru-cache';
import type { PreparedKey } from './keys.js';
import { own } from './own.js';
import type { VerifiedToken } from './types.js';

/**
 * The bytes one entry is counted as: the token (a one-byte string, its syntax is ASCII), its parsed payload
 * and header (a JSON object takes a few times its text; the text is about 3/4 of the token), and a fixed
 * allowance for the entry, the result object and the LRU's bookkeeping. An estimate, biased high.
 */
export function tokenCacheEntryBytes(token: string): number {
  return 4 * token.length + 512;
}

interface Entry {
  readonly result: VerifiedToken<never>;
  readonly key: PreparedKey;
  /** When the token verified: a clock set back before it misses (the `nbf`/`iat` window held then). */
  readonly verifiedAtMs: number;
  readonly expiresAtMs: number;
}

/**
 * The verified-token cache. Key-aware and bounded:
 * - keyed by the whole token string, so two tokens can never share an entry (the colliding
 *   `cacheKeyBuilder` of CVE-2026-35039 cannot happen);
 * - an entry is served only between the time its token verified and the token's `exp` (nor `iat + maxTokenAge`, nor the cache's own TTL);
 * - an entry dies with the key that verified it: when the key leaves its JWKS it is `retired`, and an
 *   entry never outlives the time until which its key set is trusted (freshness plus stale-if-error grace);
 * Bounded by `maxEntries` and by `maxBytes` ({@link tokenCacheEntryBytes} each; least recently used
 * evicted), so a flood of distinct (or large) tokens cannot grow it.
 */
export class VerifiedTokenCache {
  private readonly entries: LRUCache<string, Entry>;

  constructor(
    maxEntries: number,
    private readonly maxTtlMs: number,
    private readonly maxBytes: number,
  ) {
    this.entries = new LRUCache<string, Entry>({ max: maxEntries, maxSize: maxBytes, sizeCalculation: (_entry, token) => tokenCacheEntryBytes(token) });
  }

  get(token: string, nowMs: number): VerifiedToken<never> | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.key.retired || nowMs >= entry.expiresAtMs || nowMs < entry.verifiedAtMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.result;
  }

  /** Caches `result`; `trustedUntilMs` is when the key set that vouched for `key` stops being trusted. */
  set(result: VerifiedToken<never>, key: PreparedKey, nowMs: number, maxTokenAgeSeconds: number | undefined, trustedUntilMs: number): void {
    const exp = own(result.payload, 'exp') as number | undefined;
    const iat = own(result.payload, 'iat') as number | undefined;
    let expiresAtMs = Math.min(nowMs + this.maxTtlMs, trustedUntilMs);
    if (exp !== undefined) expiresAtMs = Math.min(expiresAtMs, exp * 1000);
    if (maxTokenAgeSeconds !== undefined && iat !== undefined) expiresAtMs = Math.min(expiresAtMs, (iat + maxTokenAgeSeconds) * 1000);
    if (expiresAtMs <= nowMs || tokenCacheEntryBytes(result.token) > this.maxBytes) return;
    this.entries.set(result.token, { result, key, verifiedAtMs: nowMs, expiresAtMs });
  }

  /** Bytes held, as {@link tokenCacheEntryBytes} counts them. */
  get bytes(): number {
    return this.entries.calculatedSize;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
