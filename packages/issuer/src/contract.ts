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
import type { IssuerStore, NewFamily } from './store/types.js';

const id = (): string => randomBytes(16).toString('hex');
const hash = (): string => randomBytes(32).toString('base64url');

function family(overrides: Partial<NewFamily> = {}): NewFamily {
  const now = Date.now();
  return { familyId: id(), userId: 'user-1', currentHash: hash(), createdAt: now, expiresAt: now + 60_000, userAgent: 'agent/1', clientAddress: '127.0.0.1', ...overrides };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Defines the contract tests. `makeStore` is called once per test (return a fresh or shared store: every
 * test uses ids of its own).
 */
export function describeStoreContract(name: string, makeStore: () => IssuerStore | Promise<IssuerStore>): void {
  describe(`${name}: IssuerStore contract`, () => {
    it('keeps a new family with every field, generation 0 and no revocation', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      expect(await store.getFamily(created.familyId)).toMatchObject({
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
      expect(await store.getFamily(id())).toBeUndefined();
    });

    it('rotates when the expected hash is current, and not otherwise', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      const next = hash();
      const rotated = await store.rotate(created.familyId, created.currentHash, { currentHash: next, expiresAt: created.expiresAt + 1000, usedAt: created.createdAt + 5 });
      expect(rotated).toMatchObject({ status: 'rotated', record: { currentHash: next, previousHash: created.currentHash, generation: 1, lastUsedAt: created.createdAt + 5, createdAt: created.createdAt } });
      const stale = await store.rotate(created.familyId, created.currentHash, { currentHash: hash(), expiresAt: created.expiresAt, usedAt: Date.now() });
      expect(stale).toMatchObject({ status: 'stale', record: { currentHash: next, generation: 1 } });
      expect(await store.rotate(id(), created.currentHash, { currentHash: hash(), expiresAt: created.expiresAt, usedAt: Date.now() })).toEqual({ status: 'missing' });
    });

    it('lets exactly one of many concurrent rotations with one expected hash win', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () => store.rotate(created.familyId, created.currentHash, { currentHash: hash(), expiresAt: created.expiresAt, usedAt: Date.now() })),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'rotated')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.status === 'stale')).toHaveLength(49);
      expect((await store.getFamily(created.familyId))?.generation).toBe(1);
    });

    it('keeps the grace fields of a rotation', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      const graceUntil = Date.now() + 5000;
      const outcome = await store.rotate(created.familyId, created.currentHash, { currentHash: hash(), expiresAt: created.expiresAt, usedAt: Date.now(), graceUntil, sealedSuccessor: 'sealed' });
      expect(outcome).toMatchObject({ status: 'rotated', record: { graceUntil, sealedSuccessor: 'sealed' } });
    });

    it('revokes once (idempotent), keeps the revoked family, and never rotates it again', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      const at = Date.now();
      expect(await store.revokeFamily(created.familyId, 'reuse', at)).toBe(true);
      expect(await store.revokeFamily(created.familyId, 'logout', at + 1)).toBe(false);
      expect(await store.revokeFamily(id(), 'logout', at)).toBe(false);
      const record = await store.getFamily(created.familyId);
      expect(record).toMatchObject({ revokedAt: at, revokedReason: 'reuse' });
      expect(record?.sealedSuccessor).toBeUndefined();
      const outcome = await store.rotate(created.familyId, created.currentHash, { currentHash: hash(), expiresAt: created.expiresAt, usedAt: Date.now() });
      expect(outcome.status).toBe('revoked');
    });

    it('touches lastUsedAt without rotating', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      await store.touch(created.familyId, created.createdAt + 42);
      expect(await store.getFamily(created.familyId)).toMatchObject({ lastUsedAt: created.createdAt + 42, generation: 0, currentHash: created.currentHash });
      await store.touch(id(), Date.now());
    });

    it('forgets families after they expire', async () => {
      const store = await makeStore();
      const created = family({ expiresAt: Date.now() + 150 });
      await store.createFamily(created);
      expect(await store.getFamily(created.familyId)).toBeDefined();
      await sleep(300);
      expect(await store.getFamily(created.familyId)).toBeUndefined();
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

    it('returns records that cannot change the store when mutated', async () => {
      const store = await makeStore();
      const created = family();
      await store.createFamily(created);
      const record = (await store.getFamily(created.familyId)) as unknown as Record<string, unknown>;
      try {
        record.currentHash = 'tampered';
      } catch {
        // frozen: fine
      }
      expect((await store.getFamily(created.familyId))?.currentHash).toBe(created.currentHash);
    });
  });
}

export { checkSigner, describeSignerContract, SIGNER_CHECKS, type SignerCheck } from './keyring/signer-contract.js';
