/** The verified-token cache: bounded, keyed by the whole token, never past exp or the trust in its key. */
import { LRUCache } from 'lru-cache';
import type { PreparedKey } from './keys.js';
import { own } from './own.js';
import type { VerifiedToken } from './types.js';

/**
 * The bytes one entry is counted as: the token string (one byte a character: its syntax is ASCII), its
 * parsed payload (a JSON object takes about twice its base64url text: each string and number a heap
 * object, each member a slot) and a fixed allowance for the entry, the result object and the LRU's
 * bookkeeping (the header is shared by every token that has it). Measured with `--expose-gc` over 10,000
 * cached RS256 access tokens of 596 characters: about 1,050 bytes an entry, counted here as about 1,380.
 */
export function tokenCacheEntryBytes(token: string): number {
  const payloadChars = token.lastIndexOf('.') - token.indexOf('.') - 1;
  return token.length + 2 * payloadChars + 384;
}

// How many characters from the end of the signature make a token's fingerprint; the last one is skipped
// (an HMAC signature's last character carries unused zero bits).
const FINGERPRINT_CHARS = 6;

/**
 * A 32-bit fingerprint of a verified token, from the end of its signature: the signature is what differs
 * between any two tokens (a collision only ever admits a token to the cache early; lookups still compare
 * the whole token). Constant time, whatever the token's length.
 */
function fingerprintOf(token: string): number {
  let hash = 0;
  const end = token.length - 1;
  for (let index = end - FINGERPRINT_CHARS; index < end; index++) hash = (Math.imul(hash, 31) + token.charCodeAt(index)) | 0;
  return hash;
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
 *
 * Admission ({@link admits}): while there is room every verified token is stored; once full, storing one
 * means evicting another, so a token is stored only on its second verification within the last `size`
 * refusals. A flood of distinct tokens (or more active tokens than the cache holds, each reused further
 * apart than the cache is large, where LRU would evict every entry before its reuse) then costs one
 * fingerprint per miss: no freeze, no eviction, no entry kept alive for the garbage collector to copy, and
 * the entries already held keep hitting.
 */
export class VerifiedTokenCache {
  private readonly entries: LRUCache<string, Entry>;
  // Fingerprints of tokens refused while the cache was full, forgotten after `size` of them.
  private readonly refused = new Set<number>();

  constructor(
    private readonly maxEntries: number,
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

  /**
   * Whether a token that just verified should be stored (then {@link set}): always while there is room;
   * when full, only a token refused once already within the last `size` refusals (see the class comment).
   */
  admits(token: string): boolean {
    const entries = this.entries;
    if (entries.size < this.maxEntries && entries.calculatedSize + tokenCacheEntryBytes(token) <= this.maxBytes) return true;
    const print = fingerprintOf(token);
    if (this.refused.delete(print)) return true;
    if (this.refused.size >= entries.size) this.refused.clear();
    this.refused.add(print);
    return false;
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
    this.refused.clear();
  }
}
