import { describe, expect, it } from 'vitest';
import { describeStoreContract } from '../src/contract.js';
import { memoryStore } from '../src/store/memory.js';

describeStoreContract('memoryStore', () => memoryStore(), {
  makeStoreWithDenylistOf: (max) => memoryStore({ maxDenied: max }),
  makeStoreWithSessionLimitOf: (max) => memoryStore({ maxSessionsPerUser: max }),
});

describe('memoryStore', () => {
  it('is bounded: the least recently used family is evicted, and its tokens are then refused (missing)', async () => {
    const store = memoryStore({ maxFamilies: 2 });
    const now = Date.now();
    for (const familyId of ['a', 'b', 'c']) await store.createFamily({ familyId, userId: 'u', currentHash: familyId, createdAt: now, expiresAt: now + 60_000 });
    expect(store.size).toBe(2);
    expect(await store.getFamily('u', 'a')).toBeUndefined();
    expect(await store.rotate('u', 'a', 'a', { currentHash: 'x', expiresAt: now + 60_000, usedAt: now })).toEqual({ status: 'missing' });
  });

  it("bounds each user's revoked families too: one account logging in and out in a loop cannot push another user's session out", async () => {
    const store = memoryStore({ maxFamilies: 1_000, maxSessionsPerUser: 10 });
    const now = Date.now();
    const family = (familyId: string, userId: string) => ({ familyId, userId, currentHash: familyId, createdAt: now, expiresAt: now + 60_000 });
    await store.createFamily(family('victim', 'alice'));
    for (let i = 0; i < 5_000; i += 1) {
      await store.createFamily(family(`flood-${i}`, 'mallory'));
      // Every other one logged out: revoked records as well as live ones, and the per-user limit's revocations.
      if (i % 2 === 0) await store.revokeFamily('mallory', `flood-${i}`, 'logout', now);
    }
    // Mallory holds at most her live sessions and as many revoked ones: far from the store's bound.
    expect(store.size).toBeLessThanOrEqual(1 + 2 * 10);
    expect(await store.rotate('alice', 'victim', 'victim', { currentHash: 'next', expiresAt: now + 60_000, usedAt: now })).toMatchObject({ status: 'rotated' });
    // Her latest revoked family is still held as revoked; the oldest ones are gone, and refused as missing.
    expect(await store.rotate('mallory', 'flood-4998', 'flood-4998', { currentHash: 'x', expiresAt: now + 60_000, usedAt: now })).toMatchObject({
      status: 'revoked',
    });
    expect(await store.rotate('mallory', 'flood-0', 'flood-0', { currentHash: 'x', expiresAt: now + 60_000, usedAt: now })).toEqual({ status: 'missing' });
    expect(await store.listFamilies('mallory', 100)).toHaveLength(10);
  });

  it('refuses unknown options and bad sizes', () => {
    expect(() => memoryStore({ maxFamily: 3 } as never)).toThrow(/unknown option "maxFamily"/);
    expect(() => memoryStore({ maxFamilies: 0 })).toThrow(/"maxFamilies" must be an integer/);
  });

  it('the contract suite refuses a misspelt option, which would skip its test silently', () => {
    const misspelt = { makeStoreWithDenyListOf: (max: number) => memoryStore({ maxDenied: max }) };
    expect(() => describeStoreContract('misspelt', () => memoryStore(), misspelt as never)).toThrow(
      /unknown option "makeStoreWithDenyListOf".*did you mean "makeStoreWithDenylistOf"/,
    );
  });

  it('refuses a family id used twice', async () => {
    const store = memoryStore();
    const family = { familyId: 'dup', userId: 'u', currentHash: 'h', createdAt: Date.now(), expiresAt: Date.now() + 1000 };
    await store.createFamily(family);
    await expect(store.createFamily(family)).rejects.toThrow(/exists already/);
  });
});
