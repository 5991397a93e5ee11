import { LRUCache } from 'lru-cache';
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import type { FamilyRecord, IssuerStore, NewFamily, RevocationReason, RotateOutcome, Successor } from './types.js';

/** Default most families kept by {@link memoryStore}: 100,000 (least recently used evicted first). */
export const DEFAULT_MEMORY_STORE_MAX_FAMILIES = 100_000;
/** Default most denylisted token ids kept by {@link memoryStore}: 100,000. */
export const DEFAULT_MEMORY_STORE_MAX_DENIED = 100_000;

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Most families kept. An evicted family's tokens are refused (never accepted). Default {@link DEFAULT_MEMORY_STORE_MAX_FAMILIES}. */
  maxFamilies?: number;
  /** Most denylisted token ids kept. Default {@link DEFAULT_MEMORY_STORE_MAX_DENIED}. */
  maxDenied?: number;
}

/** The in-memory store, with its size for tests and monitoring. */
export interface MemoryStore extends IssuerStore {
  /** Families currently held (alive or revoked, not yet expired). */
  readonly size: number;
}

type MutableFamily = { -readonly [K in keyof FamilyRecord]: FamilyRecord[K] };

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new TypeError(`memoryStore: "${name}" must be an integer ≥ 1`);
  return value;
}

/**
 * The embedded store: bounded in entries (LRU) and in time (every entry expires with its token), for a
 * single process. Each method runs to completion without awaiting, which is what makes `rotate` atomic
 * on Node's single thread. Several instances behind a load balancer need a shared store (Redis).
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('memoryStore: options must be an object');
  refuseUnknownKeys(options, ['maxFamilies', 'maxDenied'], 'memoryStore options');
  const families = new LRUCache<string, MutableFamily>({ max: positiveInteger('maxFamilies', options.maxFamilies, DEFAULT_MEMORY_STORE_MAX_FAMILIES), ttlAutopurge: false });
  const denied = new LRUCache<string, true>({ max: positiveInteger('maxDenied', options.maxDenied, DEFAULT_MEMORY_STORE_MAX_DENIED), ttlAutopurge: false });

  // Records leave as frozen copies: a caller can never change the store's state by mutating one.
  const snapshot = (record: MutableFamily): FamilyRecord => Object.freeze({ ...record });
  const ttl = (expiresAt: number): number => Math.max(1, expiresAt - Date.now());

  const store: MemoryStore = {
    get size() {
      return families.size;
    },
    async createFamily(family: NewFamily) {
      if (families.has(family.familyId)) throw new Error('memoryStore: a family with this id exists already');
      families.set(
        family.familyId,
        {
          familyId: family.familyId,
          userId: family.userId,
          currentHash: family.currentHash,
          previousHash: undefined,
          generation: 0,
          createdAt: family.createdAt,
          lastUsedAt: family.createdAt,
          expiresAt: family.expiresAt,
          revokedAt: undefined,
          revokedReason: undefined,
          graceUntil: undefined,
          sealedSuccessor: undefined,
          userAgent: family.userAgent,
          clientAddress: family.clientAddress,
        },
        { ttl: ttl(family.expiresAt) },
      );
    },
    async getFamily(familyId) {
      const record = families.get(familyId);
      return record === undefined ? undefined : snapshot(record);
    },
    async rotate(familyId: string, expectedCurrentHash: string, successor: Successor): Promise<RotateOutcome> {
      const record = families.get(familyId);
      if (record === undefined) return { status: 'missing' };
      if (record.revokedAt !== undefined) return { status: 'revoked', record: snapshot(record) };
      if (record.currentHash !== expectedCurrentHash) return { status: 'stale', record: snapshot(record) };
      record.previousHash = record.currentHash;
      record.currentHash = successor.currentHash;
      record.generation += 1;
      record.lastUsedAt = successor.usedAt;
      record.expiresAt = successor.expiresAt;
      record.graceUntil = successor.graceUntil;
      record.sealedSuccessor = successor.sealedSuccessor;
      families.set(familyId, record, { ttl: ttl(successor.expiresAt) });
      return { status: 'rotated', record: snapshot(record) };
    },
    async touch(familyId, usedAt) {
      const record = families.get(familyId);
      if (record !== undefined && record.revokedAt === undefined) record.lastUsedAt = usedAt;
    },
    async revokeFamily(familyId: string, reason: RevocationReason, at: number) {
      const record = families.get(familyId);
      if (record === undefined || record.revokedAt !== undefined) return false;
      record.revokedAt = at;
      record.revokedReason = reason;
      // The sealed successor must not outlive the family's trust.
      record.sealedSuccessor = undefined;
      record.graceUntil = undefined;
      return true;
    },
    async denyToken(jti, expiresAt) {
      if (expiresAt <= Date.now()) return;
      denied.set(jti, true, { ttl: ttl(expiresAt) });
    },
    async isTokenDenied(jti) {
      return denied.get(jti) === true;
    },
  };
  return store;
}
