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
