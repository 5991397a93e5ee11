/** `memoryStore`: the in-process `IssuerStore` (one instance only; state is lost on restart). */
import { LRUCache } from 'lru-cache';
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import { ExpiringMap } from './expiring-map.js';
import { DEFAULT_MAX_SESSIONS_PER_USER, sessionEnd, withinGrace } from './session-end.js';
import type { FamilyRecord, IssuerStore, NewFamily, RevocationReason, RotateOutcome, Successor, TouchOutcome } from './types.js';

/** Default most families kept by {@link memoryStore}: 100,000 (least recently used evicted first). */
export const DEFAULT_MEMORY_STORE_MAX_FAMILIES = 100_000;
/** Default most denylisted token ids kept by {@link memoryStore}: 100,000 (never evicted, see {@link MemoryStoreOptions.maxDenied}). */
export const DEFAULT_MEMORY_STORE_MAX_DENIED = 100_000;
/** Default most users with a revocation epoch in force kept by {@link memoryStore}: 100,000. */
export const DEFAULT_MEMORY_STORE_MAX_EPOCHS = 100_000;

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Most families kept. An evicted family's tokens are refused (never accepted). Default {@link DEFAULT_MEMORY_STORE_MAX_FAMILIES}. */
  maxFamilies?: number;
  /**
   * Most denylisted token ids kept. Entries leave only when their token expires; a full denylist makes
   * `denyToken` throw `StoreCapacityError` (fail closed). Default {@link DEFAULT_MEMORY_STORE_MAX_DENIED}.
   */
  maxDenied?: number;
  /** Most users with a revocation epoch in force; full: `revokeUser` throws `StoreCapacityError`. Default {@link DEFAULT_MEMORY_STORE_MAX_EPOCHS}. */
  maxEpochs?: number;
  /**
   * Most live sessions per user (the session list's bound). A login past it revokes the user's oldest live
   * session (reason `limit`). Also the most revoked families kept per user: older ones are dropped (their
   * tokens then refused as missing), so one account cannot fill the store. Default
   * {@link DEFAULT_MAX_SESSIONS_PER_USER} (100).
   */
  maxSessionsPerUser?: number;
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
 * The embedded store: bounded in entries and in time (every entry expires with its token), for a single
 * process. Each method runs to completion without awaiting, which is what makes `rotate` atomic on Node's
 * single thread. Several instances behind a load balancer need a shared store (Redis).
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('memoryStore: options must be an object');
  refuseUnknownKeys(options, ['maxFamilies', 'maxDenied', 'maxEpochs', 'maxSessionsPerUser'], 'memoryStore options');
  const maxSessions = positiveInteger('maxSessionsPerUser', options.maxSessionsPerUser, DEFAULT_MAX_SESSIONS_PER_USER);
  // Each user's live families (insertion = login order), for session lists and logout everywhere; kept in
  // step on eviction and revocation, and at most `maxSessions` long.
  const byUser = new Map<string, Set<string>>();
  // Each user's revoked families still held (revocation order). Revoked records stay to keep their tokens
  // refused, but at most `maxSessions` per user: past that the oldest is dropped (its tokens are then
  // refused as missing), so one account logging in and out in a loop cannot fill the store and push
  // other users' live sessions out of it.
  const revokedByUser = new Map<string, Set<string>>();
  const remove = (index: Map<string, Set<string>>, userId: string, familyId: string): void => {
    const ids = index.get(userId);
    ids?.delete(familyId);
    if (ids?.size === 0) index.delete(userId);
  };
  const unindex = (userId: string, familyId: string): void => remove(byUser, userId, familyId);
  const families = new LRUCache<string, MutableFamily>({
    max: positiveInteger('maxFamilies', options.maxFamilies, DEFAULT_MEMORY_STORE_MAX_FAMILIES),
    ttlAutopurge: false,
    dispose: (record, familyId, reason) => {
      if (reason === 'set') return;
      unindex(record.userId, familyId);
      remove(revokedByUser, record.userId, familyId);
    },
  });
  const denied = new ExpiringMap<true>(positiveInteger('maxDenied', options.maxDenied, DEFAULT_MEMORY_STORE_MAX_DENIED), 'the token denylist');
  const epochs = new ExpiringMap<number>(positiveInteger('maxEpochs', options.maxEpochs, DEFAULT_MEMORY_STORE_MAX_EPOCHS), 'the user revocation epochs');

  // Records leave as frozen copies: a caller can never change the store's state by mutating one.
  const snapshot = (record: MutableFamily): FamilyRecord => Object.freeze({ ...record });
  const ttl = (expiresAt: number): number => Math.max(1, expiresAt - Date.now());

  const revoke = (record: MutableFamily, reason: RevocationReason, at: number): void => {
    // A revoked family stays (its tokens stay refused by its own record) but leaves the session list.
    unindex(record.userId, record.familyId);
    record.revokedAt = at;
    record.revokedReason = reason;
    // The sealed successor must not outlive the family's trust.
    record.sealedSuccessor = undefined;
    record.graceUntil = undefined;
    let revoked = revokedByUser.get(record.userId);
    if (revoked === undefined) revokedByUser.set(record.userId, (revoked = new Set()));
    revoked.add(record.familyId);
    for (const oldest of revoked) {
      if (revoked.size <= maxSessions) break;
      revoked.delete(oldest);
      families.delete(oldest);
    }
  };

  /** The checks `rotate` and `touch` share, in the contract's order; `undefined` when the family may be used. */
  const refuse = (userId: string, familyId: string, usedAt: number) => {
    const record = families.get(familyId);
    if (record === undefined || record.userId !== userId) return { refusal: { status: 'missing' } as const };
    const epoch = epochs.get(record.userId);
    if (record.revokedAt === undefined && epoch !== undefined && record.createdAt <= epoch) revoke(record, 'user', epoch);
    if (record.revokedAt !== undefined) return { refusal: { status: 'revoked', record: snapshot(record) } as const };
    const ended = sessionEnd(record, usedAt);
    if (ended !== undefined) return { refusal: { status: 'ended', reason: ended, record: snapshot(record) } as const };
    return { record };
  };

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
          expiresAt: Math.min(family.expiresAt, family.sessionExpiresAt ?? Infinity),
          revokedAt: undefined,
          revokedReason: undefined,
          graceUntil: undefined,
          sealedSuccessor: undefined,
          userAgent: family.userAgent,
          clientAddress: family.clientAddress,
          sessionExpiresAt: family.sessionExpiresAt,
          idleTimeoutMs: family.idleTimeoutMs,
        },
        { ttl: ttl(Math.min(family.expiresAt, family.sessionExpiresAt ?? Infinity)) },
      );
      let ids = byUser.get(family.userId);
      if (ids === undefined) byUser.set(family.userId, (ids = new Set()));
      ids.add(family.familyId);
      // Bounded per user: past the bound, expired entries leave first, then the oldest live sessions go
      // (revoked, so their tokens stay refused).
      if (ids.size > maxSessions) for (const known of ids) if (families.peek(known) === undefined) ids.delete(known);
      for (const oldest of ids) {
        if (ids.size <= maxSessions) break;
        revoke(families.peek(oldest)!, 'limit', family.createdAt);
      }
    },
    async getFamily(userId, familyId) {
      const record = families.get(familyId);
      return record === undefined || record.userId !== userId ? undefined : snapshot(record);
    },
    async rotate(userId: string, familyId: string, expectedCurrentHash: string, successor: Successor): Promise<RotateOutcome> {
      const { refusal, record } = refuse(userId, familyId, successor.usedAt);
      if (refusal !== undefined) return refusal;
      if (record.currentHash !== expectedCurrentHash) {
        if (withinGrace(record, expectedCurrentHash, successor.usedAt)) return { status: 'stale', record: snapshot(record) };
        // Reuse (RFC 9700 §4.14.2): revoked in this same synchronous step, before anyone can answer.
        revoke(record, 'reuse', successor.usedAt);
        return { status: 'reused', record: snapshot(record) };
      }
      record.previousHash = record.currentHash;
      record.currentHash = successor.currentHash;
      record.generation += 1;
      record.lastUsedAt = successor.usedAt;
      // Rotation never extends the session past its absolute end.
      record.expiresAt = Math.min(successor.expiresAt, record.sessionExpiresAt ?? Infinity);
      record.graceUntil = successor.graceUntil;
      record.sealedSuccessor = successor.sealedSuccessor;
      families.set(familyId, record, { ttl: ttl(record.expiresAt) });
      return { status: 'rotated', record: snapshot(record) };
    },
    async touch(userId, familyId, usedAt): Promise<TouchOutcome> {
      const { refusal, record } = refuse(userId, familyId, usedAt);
      if (refusal !== undefined) return refusal;
      record.lastUsedAt = usedAt;
      return { status: 'touched', record: snapshot(record) };
    },
    async revokeFamily(userId: string, familyId: string, reason: RevocationReason, at: number) {
      const record = families.get(familyId);
      if (record === undefined || record.userId !== userId || record.revokedAt !== undefined) return false;
      revoke(record, reason, at);
      return true;
    },
    async denyToken(jti, expiresAt) {
      if (expiresAt <= Date.now()) return;
      denied.set(jti, true, expiresAt);
    },
    async isTokenDenied(jti) {
      return denied.get(jti) === true;
    },
    async revokeUser(userId, at, keepUntil) {
      const current = epochs.get(userId);
      epochs.set(userId, Math.max(at, current ?? -Infinity), keepUntil);
      let marked = 0;
      for (const familyId of [...(byUser.get(userId) ?? [])]) {
        const record = families.peek(familyId);
        if (record !== undefined && record.revokedAt === undefined && record.createdAt <= at) {
          revoke(record, 'user', at);
          marked += 1;
        }
      }
      return marked;
    },
    async getUserEpoch(userId) {
      return epochs.get(userId);
    },
    async listFamilies(userId, limit) {
      const now = Date.now();
      const epoch = epochs.get(userId);
      const live: FamilyRecord[] = [];
      for (const familyId of byUser.get(userId) ?? []) {
        const record = families.peek(familyId);
        if (record === undefined || record.expiresAt <= now || record.revokedAt !== undefined) continue;
        if (epoch !== undefined && record.createdAt <= epoch) continue;
        if (sessionEnd(record, now) !== undefined) continue;
        live.push(snapshot(record));
      }
      return live.sort((a, b) => b.createdAt - a.createdAt).slice(0, Math.max(0, limit));
    },
  };
  return store;
}
