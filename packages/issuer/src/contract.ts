/**
 * `@latchkey/issuer/contract`: the behaviour every {@link IssuerStore} must have, as a vitest suite. A
 * store package runs it against its own implementation:
 *
 * @example
 * import { describeStoreContract } from '@latchkey/issuer/contract';
 * describeStoreContract('redis store', () => redisStore({ client }));
 *
 * The same module holds the `Signer` contract: `describeSignerContract(name, () => signer)`.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import { StoreCapacityError } from './store/errors.js';
import type { IssuerStore, NewFamily } from './store/types.js';

const id = (): string => randomBytes(16).toString('hex');
const hash = (): string => randomBytes(32).toString('base64url');

function family(overrides: Partial<NewFamily> = {}): NewFamily {
  const now = Date.now();
  return {
    familyId: id(),
    userId: 'user-1',
    currentHash: hash(),
    createdAt: now,
    expiresAt: now + 60_000,
    userAgent: 'agent/1',
    clientAddress: '127.0.0.1',
    ...overrides,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Options of {@link describeStoreContract}. */
export interface StoreContractOptions {
  /**
   * Makes a store whose token denylist holds at most `max` unexpired entries, for the fail-closed test.
   * Leave out for a store without a configurable bound (the test is then skipped, not passed).
   */
  makeStoreWithDenylistOf?: (max: number) => IssuerStore | Promise<IssuerStore>;
  /** Makes a store keeping at most `max` live sessions per user, for the session-bound test (skipped without it). */
  makeStoreWithSessionLimitOf?: (max: number) => IssuerStore | Promise<IssuerStore>;
}

/**
 * Defines the contract tests. `makeStore` is called once per test (return a fresh or shared store: every
 * test uses ids of its own).
 */
export function describeStoreContract(name: string, makeStore: () => IssuerStore | Promise<IssuerStore>, options: StoreContractOptions = {}): void {
  // A misspelt option would skip its test silently.
  refuseUnknownKeys(options, ['makeStoreWithDenylistOf', 'makeStoreWithSessionLimitOf'], 'describeStoreContract options');
  describe(`${name}: IssuerStore contract`, () => {
    it('keeps a new family with every field, generation 0 and no revocation', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      expect(await store.getFamily(created.userId, created.familyId)).toMatchObject({
        familyId: created.familyId,
        userId: 'user-1',
        currentHash: created.currentHash,
        previousHash: undefined,
        generation: 0,
        createdAt: created.createdAt,
        lastUsedAt: created.createdAt,
        expiresAt: created.expiresAt,
        revokedAt: undefined,
        userAgent: 'agent/1',
        clientAddress: '127.0.0.1',
      });
      expect(await store.getFamily('user-1', id())).toBeUndefined();
    });

    it('rotates when the expected hash is current, and not otherwise', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      const next = hash();
      const rotated = await store.rotate(created.userId, created.familyId, created.currentHash, {
        currentHash: next,
        expiresAt: created.expiresAt + 1000,
        usedAt: created.createdAt + 5,
      });
      expect(rotated).toMatchObject({
        status: 'rotated',
        record: { currentHash: next, previousHash: created.currentHash, generation: 1, lastUsedAt: created.createdAt + 5, createdAt: created.createdAt },
      });
      const reused = await store.rotate(created.userId, created.familyId, created.currentHash, {
        currentHash: hash(),
        expiresAt: created.expiresAt,
        usedAt: created.createdAt + 7,
      });
      // Reuse revokes the family in the same atomic step as the failed compare-and-swap (RFC 9700 §4.14.2).
      expect(reused).toMatchObject({
        status: 'reused',
        record: { currentHash: next, generation: 1, revokedAt: created.createdAt + 7, revokedReason: 'reuse', sealedSuccessor: undefined },
      });
      expect(
        await store.rotate(created.userId, created.familyId, next, { currentHash: hash(), expiresAt: created.expiresAt, usedAt: Date.now() }),
      ).toMatchObject({ status: 'revoked' });
      expect(await store.rotate('user-1', id(), created.currentHash, { currentHash: hash(), expiresAt: created.expiresAt, usedAt: Date.now() })).toEqual({
        status: 'missing',
      });
    });

    it('lets exactly one of many concurrent rotations with one expected hash win', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () =>
          store.rotate(created.userId, created.familyId, created.currentHash, { currentHash: hash(), expiresAt: created.expiresAt, usedAt: Date.now() }),
        ),
      );
      // One wins; the first loser presented a spent token (reuse) and revoked the family in the same step,
      // so every later one finds it revoked.
      expect(outcomes.filter((outcome) => outcome.status === 'rotated')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.status === 'reused')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.status === 'revoked')).toHaveLength(48);
      expect(await store.getFamily(created.userId, created.familyId)).toMatchObject({ generation: 1, revokedReason: 'reuse' });
    });

    it('keeps the grace fields of a rotation; the previous hash inside the window is stale (not reuse), outside it reuse', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      const now = Date.now();
      const graceUntil = now + 5000;
      const next = hash();
      const outcome = await store.rotate(created.userId, created.familyId, created.currentHash, {
        currentHash: next,
        expiresAt: created.expiresAt,
        usedAt: now,
        graceUntil,
        sealedSuccessor: 'sealed',
      });
      expect(outcome).toMatchObject({ status: 'rotated', record: { graceUntil, sealedSuccessor: 'sealed' } });
      const again = { currentHash: hash(), expiresAt: created.expiresAt, usedAt: graceUntil };
      expect(await store.rotate(created.userId, created.familyId, created.currentHash, again)).toMatchObject({
        status: 'stale',
        record: { currentHash: next, sealedSuccessor: 'sealed', revokedAt: undefined },
      });
      expect(await store.rotate(created.userId, created.familyId, created.currentHash, { ...again, usedAt: graceUntil + 1 })).toMatchObject({
        status: 'reused',
        record: { revokedReason: 'reuse' },
      });
    });

    it('addresses a family by its user: under another user it is missing, and nothing is written', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      expect(await store.getFamily('someone-else', created.familyId)).toBeUndefined();
      expect(
        await store.rotate('someone-else', created.familyId, created.currentHash, { currentHash: hash(), expiresAt: created.expiresAt, usedAt: Date.now() }),
      ).toEqual({ status: 'missing' });
      expect(await store.touch('someone-else', created.familyId, Date.now())).toEqual({ status: 'missing' });
      expect(await store.revokeFamily('someone-else', created.familyId, 'admin', Date.now())).toBe(false);
      expect(await store.getFamily(created.userId, created.familyId)).toMatchObject({ generation: 0, revokedAt: undefined });
    });

    it('keeps user ids apart whatever they hold: colons, braces, percent signs, lone UTF-16 surrogate halves', async () => {
      const store = await makeStore();
      // Each pair could meet in an encoding of ids that is not one-to-one (UTF-8 turns both halves into U+FFFD).
      const ids = ['a:b', 'a%3Ab', '{a}', 'x\uD800', 'x\uDBFF', 'x\uFFFD', 'x%uD800', '\uDC00y', 'ok\uD83D\uDE00'];
      const families = ids.map((userId) => family({ userId }));
      for (const created of families) await store.createFamily(created);
      for (const [index, created] of families.entries()) {
        const listed = await store.listFamilies(created.userId, 10);
        expect([ids[index], listed.map((record) => record.familyId)]).toEqual([ids[index], [created.familyId]]);
      }
    });

    it('bounds the session list per user: a login past the bound revokes the oldest session (reason limit)', async (context) => {
      if (options.makeStoreWithSessionLimitOf === undefined) return context.skip();
      const store = await options.makeStoreWithSessionLimitOf(2);
      const userId = `user-${id()}`;
      const now = Date.now();
      const [first, second, third] = [family({ userId, createdAt: now - 3 }), family({ userId, createdAt: now - 2 }), family({ userId, createdAt: now - 1 })];
      for (const created of [first, second, third]) await store.createFamily(created);
      expect((await store.listFamilies(userId, 10)).map((record) => record.familyId)).toEqual([third.familyId, second.familyId]);
      expect(await store.getFamily(userId, first.familyId)).toMatchObject({ revokedReason: 'limit' });
      expect(await store.rotate(userId, first.familyId, first.currentHash, { currentHash: hash(), expiresAt: now + 60_000, usedAt: now })).toMatchObject({
        status: 'revoked',
      });
      // A revoked session leaves the list and frees its place.
      await store.revokeFamily(userId, third.familyId, 'logout', now);
      const fourth = family({ userId, createdAt: now });
      await store.createFamily(fourth);
      expect((await store.listFamilies(userId, 10)).map((record) => record.familyId)).toEqual([fourth.familyId, second.familyId]);
    });

    it("keeps at most the session limit of one user's revoked families: the oldest go (refused as missing), the newest stay revoked, others' sessions untouched", async (context) => {
      if (options.makeStoreWithSessionLimitOf === undefined) return context.skip();
      const store = await options.makeStoreWithSessionLimitOf(3);
      const [userId, other] = [`user-${id()}`, `user-${id()}`];
      const now = Date.now();
      const kept = family({ userId: other, createdAt: now });
      await store.createFamily(kept);
      // One account logging in and out in a loop.
      const looped = Array.from({ length: 12 }, (_, index) => family({ userId, createdAt: now + index }));
      for (const [index, created] of looped.entries()) {
        await store.createFamily(created);
        await store.revokeFamily(userId, created.familyId, 'logout', now + index);
      }
      const outcome = (created: NewFamily) =>
        store.rotate(created.userId, created.familyId, created.currentHash, { currentHash: hash(), expiresAt: now + 60_000, usedAt: now + 20 });
      expect(await outcome(looped[0]!)).toEqual({ status: 'missing' });
      expect(await outcome(looped[11]!)).toMatchObject({ status: 'revoked' });
      expect(await outcome(kept)).toMatchObject({ status: 'rotated' });
    });

    it('revokes once (idempotent), keeps the revoked family, and never rotates it again', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      const at = Date.now();
      expect(await store.revokeFamily(created.userId, created.familyId, 'reuse', at)).toBe(true);
      expect(await store.revokeFamily(created.userId, created.familyId, 'logout', at + 1)).toBe(false);
      expect(await store.revokeFamily('user-1', id(), 'logout', at)).toBe(false);
      const record = await store.getFamily(created.userId, created.familyId);
      expect(record).toMatchObject({ revokedAt: at, revokedReason: 'reuse' });
      expect(record?.sealedSuccessor).toBeUndefined();
      const outcome = await store.rotate(created.userId, created.familyId, created.currentHash, {
        currentHash: hash(),
        expiresAt: created.expiresAt,
        usedAt: Date.now(),
      });
      expect(outcome.status).toBe('revoked');
    });

    it('touches lastUsedAt without rotating', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      expect(await store.touch(created.userId, created.familyId, created.createdAt + 42)).toMatchObject({
        status: 'touched',
        record: { lastUsedAt: created.createdAt + 42 },
      });
      expect(await store.getFamily(created.userId, created.familyId)).toMatchObject({
        lastUsedAt: created.createdAt + 42,
        generation: 0,
        currentHash: created.currentHash,
      });
      expect(await store.touch('user-1', id(), Date.now())).toEqual({ status: 'missing' });
    });

    it('forgets families after they expire', async () => {
      const store = await makeStore();
      const created = family({ expiresAt: Date.now() + 150 });
      await store.createFamily(created);
      expect(await store.getFamily(created.userId, created.familyId)).toBeDefined();
      await sleep(300);
      expect(await store.getFamily(created.userId, created.familyId)).toBeUndefined();
    });

    it('denylists token ids until they expire', async () => {
      const store = await makeStore();
      const [kept, expiring, never] = [id(), id(), id()];
      await store.denyToken(kept, Date.now() + 60_000);
      await store.denyToken(expiring, Date.now() + 150);
      await store.denyToken(never, Date.now() - 1);
      expect(await store.isTokenDenied(kept)).toBe(true);
      expect(await store.isTokenDenied(expiring)).toBe(true);
      expect(await store.isTokenDenied(never)).toBe(false);
      expect(await store.isTokenDenied(id())).toBe(false);
      await sleep(300);
      expect(await store.isTokenDenied(expiring)).toBe(false);
      expect(await store.isTokenDenied(kept)).toBe(true);
    });

    it('keeps the session end and idle timeout, and never lets a rotation extend past the absolute end', async () => {
      const store = await makeStore();
      const now = Date.now();
      const created = family({ createdAt: now, expiresAt: now + 30_000, sessionExpiresAt: now + 40_000, idleTimeoutMs: 20_000 });
      await store.createFamily(created);
      expect(await store.getFamily(created.userId, created.familyId)).toMatchObject({ sessionExpiresAt: now + 40_000, idleTimeoutMs: 20_000 });
      const outcome = await store.rotate(created.userId, created.familyId, created.currentHash, {
        currentHash: hash(),
        expiresAt: now + 90_000,
        usedAt: now + 10_000,
      });
      expect(outcome).toMatchObject({ status: 'rotated', record: { expiresAt: now + 40_000, sessionExpiresAt: now + 40_000, createdAt: now } });
    });

    it('refuses rotate and touch past the absolute session end, writing nothing', async () => {
      const store = await makeStore();
      const now = Date.now();
      const created = family({ createdAt: now, sessionExpiresAt: now + 1000 });
      await store.createFamily(created);
      const late = await store.rotate(created.userId, created.familyId, created.currentHash, {
        currentHash: hash(),
        expiresAt: now + 60_000,
        usedAt: now + 1000,
      });
      expect(late).toMatchObject({ status: 'ended', reason: 'absolute' });
      expect(await store.touch(created.userId, created.familyId, now + 5000)).toMatchObject({ status: 'ended', reason: 'absolute' });
      expect(await store.getFamily(created.userId, created.familyId)).toMatchObject({ currentHash: created.currentHash, generation: 0, lastUsedAt: now });
    });

    it('refuses rotate and touch after an idle pause longer than the timeout, and allows shorter ones', async () => {
      const store = await makeStore();
      const now = Date.now();
      const created = family({ createdAt: now, idleTimeoutMs: 1000 });
      await store.createFamily(created);
      const next = hash();
      expect(
        await store.rotate(created.userId, created.familyId, created.currentHash, { currentHash: next, expiresAt: now + 60_000, usedAt: now + 900 }),
      ).toMatchObject({ status: 'rotated' });
      expect(await store.touch(created.userId, created.familyId, now + 1800)).toMatchObject({ status: 'touched' });
      expect(await store.rotate(created.userId, created.familyId, next, { currentHash: hash(), expiresAt: now + 60_000, usedAt: now + 2801 })).toMatchObject({
        status: 'ended',
        reason: 'idle',
      });
      expect(await store.touch(created.userId, created.familyId, now + 2801)).toMatchObject({ status: 'ended', reason: 'idle' });
    });

    it('logs a user out everywhere through the revocation epoch, and not families created after it', async () => {
      const store = await makeStore();
      const userId = `user-${id()}`;
      const now = Date.now();
      const first = family({ userId, createdAt: now - 2000 });
      const second = family({ userId, createdAt: now - 1000 });
      const otherUser = family({ createdAt: now - 1000 });
      for (const created of [first, second, otherUser]) await store.createFamily(created);
      expect(await store.getUserEpoch(userId)).toBeUndefined();
      expect(await store.revokeUser(userId, now, now + 60_000)).toBe(2);
      expect(await store.getUserEpoch(userId)).toBe(now);
      for (const created of [first, second]) {
        expect(
          await store.rotate(created.userId, created.familyId, created.currentHash, { currentHash: hash(), expiresAt: now + 60_000, usedAt: now + 1 }),
        ).toMatchObject({ status: 'revoked', record: { revokedReason: 'user' } });
        expect(await store.touch(created.userId, created.familyId, now + 1)).toMatchObject({ status: 'revoked' });
      }
      expect(await store.touch(otherUser.userId, otherUser.familyId, now + 1)).toMatchObject({ status: 'touched' });
      const later = family({ userId, createdAt: now + 1 });
      await store.createFamily(later);
      expect(await store.touch(later.userId, later.familyId, now + 2)).toMatchObject({ status: 'touched' });
      // The epoch never moves back.
      await store.revokeUser(userId, now - 5000, now + 60_000);
      expect(await store.getUserEpoch(userId)).toBe(now);
    });

    it('refuses a family created before the epoch even when it was not marked (the epoch is the guarantee)', async () => {
      const store = await makeStore();
      const userId = `user-${id()}`;
      const now = Date.now();
      await store.revokeUser(userId, now, now + 60_000);
      // A login that raced the logout-everywhere and was written with an earlier createdAt.
      const raced = family({ userId, createdAt: now - 10 });
      await store.createFamily(raced);
      expect(
        await store.rotate(raced.userId, raced.familyId, raced.currentHash, { currentHash: hash(), expiresAt: now + 60_000, usedAt: now + 1 }),
      ).toMatchObject({ status: 'revoked' });
      expect(await store.listFamilies(userId, 10)).toEqual([]);
    });

    it('forgets an epoch after keepUntil', async () => {
      const store = await makeStore();
      const userId = `user-${id()}`;
      await store.revokeUser(userId, Date.now(), Date.now() + 150);
      expect(await store.getUserEpoch(userId)).toBeDefined();
      await sleep(300);
      expect(await store.getUserEpoch(userId)).toBeUndefined();
    });

    it("lists a user's live families newest first with their session details, bounded by limit", async () => {
      const store = await makeStore();
      const userId = `user-${id()}`;
      const now = Date.now();
      const old = family({ userId, createdAt: now - 3000, userAgent: 'old/1', clientAddress: '127.0.0.2' });
      const mid = family({ userId, createdAt: now - 2000 });
      const recent = family({ userId, createdAt: now - 1000, userAgent: 'new/1', clientAddress: '127.0.0.3' });
      const revoked = family({ userId, createdAt: now - 500 });
      const ended = family({ userId, createdAt: now - 4000, sessionExpiresAt: now - 1 });
      for (const created of [old, mid, recent, revoked, ended]) await store.createFamily(created);
      await store.revokeFamily(revoked.userId, revoked.familyId, 'logout', now);
      const listed = await store.listFamilies(userId, 10);
      expect(listed.map((record) => record.familyId)).toEqual([recent.familyId, mid.familyId, old.familyId]);
      expect(listed[0]).toMatchObject({ userAgent: 'new/1', clientAddress: '127.0.0.3', createdAt: now - 1000, lastUsedAt: now - 1000 });
      expect((await store.listFamilies(userId, 2)).map((record) => record.familyId)).toEqual([recent.familyId, mid.familyId]);
      expect(await store.listFamilies(`user-${id()}`, 10)).toEqual([]);
    });

    it('keeps a denied token id rather than evict it when the denylist is full (fail closed)', async (context) => {
      if (options.makeStoreWithDenylistOf === undefined) return context.skip();
      const store = await options.makeStoreWithDenylistOf(3);
      const kept = [id(), id(), id()];
      for (const jti of kept) await store.denyToken(jti, Date.now() + 60_000);
      await expect(store.denyToken(id(), Date.now() + 60_000)).rejects.toBeInstanceOf(StoreCapacityError);
      for (const jti of kept) expect(await store.isTokenDenied(jti)).toBe(true);
      // Re-denying a held id is not new work and succeeds.
      await store.denyToken(kept[0] as string, Date.now() + 90_000);
      // Room comes back only as entries expire.
      const short = await options.makeStoreWithDenylistOf(1);
      await short.denyToken(id(), Date.now() + 150);
      await sleep(300);
      await short.denyToken(id(), Date.now() + 60_000);
    });

    it('returns records that cannot change the store when mutated', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      const record = (await store.getFamily(created.userId, created.familyId)) as unknown as Record<string, unknown>;
      try {
        record.currentHash = 'tampered';
      } catch {
        // frozen: fine
      }
      expect((await store.getFamily(created.userId, created.familyId))?.currentHash).toBe(created.currentHash);
    });
  });
}

export { checkSigner, describeSignerContract, SIGNER_CHECKS, type SignerCheck } from './keyring/signer-contract.js';
