/** The verified-token cache: bounded, keyed by the whole token, never past exp or the trust in its key. */
import { LRUCache } from 'lru-cache';
import type { PreparedKey } from './keys.js';
import { own } from './own.js';
import type { VerifiedToken } from './types.js';

interface Entry {
  readonly result: VerifiedToken<never>;
  readonly key: PreparedKey;
  readonly expiresAtMs: number;
}

/**
 * The verified-token cache. Key-aware and bounded:
 * - keyed by the whole token string, so two tokens can never share an entry (the colliding
 *   `cacheKeyBuilder` of CVE-2026-35039 cannot happen);
 * - an entry never outlives the token's `exp` (nor `iat + maxTokenAge`, nor the cache's own TTL);
 * - an entry dies with the key that verified it: when the key leaves its JWKS it is `retired`, and an
 *   entry never outlives the time until which its key set is trusted (freshness plus stale-if-error grace);
 * Bounded by `maxEntries` (least recently used evicted), so a flood of distinct tokens cannot grow it.
 */
export class VerifiedTokenCache {
  private readonly entries: LRUCache<string, Entry>;

  constructor(
    maxEntries: number,
    private readonly maxTtlMs: number,
  ) {
    this.entries = new LRUCache<string, Entry>({ max: maxEntries });
  }

  get(token: string, nowMs: number): VerifiedToken<never> | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.key.retired || nowMs >= entry.expiresAtMs) {
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
    if (expiresAtMs <= nowMs) return;
    this.entries.set(result.token, { result, key, expiresAtMs });
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
