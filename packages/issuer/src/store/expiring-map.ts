/** A bounded map of entries that leave only on expiry, for the memory store's denylist and epochs. */
import { StoreCapacityError } from './errors.js';

/**
 * A bounded map whose entries leave only when they expire — never to make room. When full of unexpired
 * entries, `set` of a new key throws {@link StoreCapacityError} (fail closed): forgetting a revocation
 * would let a revoked token back in, refusing a new one is loud and bounded by the entries' TTLs.
 * Expired entries are swept lazily (on read) and in bulk when the map is full.
 */
export class ExpiringMap<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    readonly max: number,
    readonly what: string,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Sets or replaces `key`; `expiresAt` of a replaced entry only moves later (a revocation never shortens). */
  set(key: string, value: V, expiresAt: number, now = Date.now()): void {
    const existing = this.#entries.get(key);
    if (existing === undefined && this.#entries.size >= this.max) {
      this.#sweep(now);
      if (this.#entries.size >= this.max) {
        throw new StoreCapacityError(`memoryStore: ${this.what} is full (${this.max} unexpired entries); refusing rather than forgetting one`);
      }
    }
    this.#entries.set(key, { value, expiresAt: Math.max(expiresAt, existing?.expiresAt ?? 0) });
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}
