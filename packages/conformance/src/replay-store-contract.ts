/**
 * The behaviour every DPoP replay store must have. Run it against each implementation (core's memory
 * store, `@latchkey/redis`'s store) so they stay interchangeable.
 */

import { describe, expect, it } from 'vitest';

import type { DpopReplayStore } from '@latchkey/core';

/** Registers the contract's tests for one store; `makeStore` gives each test a fresh, empty store. */
export function describeReplayStoreContract(name: string, makeStore: () => DpopReplayStore | Promise<DpopReplayStore>): void {
  describe(`${name} honours the DPoP replay store contract`, () => {
    it('accepts a jti once and refuses it the second time', async () => {
      const store = await makeStore();
      expect(await store.remember('jti-1', 60)).toBe(true);
      expect(await store.remember('jti-1', 60)).toBe(false);
    });

    it('keeps different identifiers apart', async () => {
      const store = await makeStore();
      expect(await store.remember('a', 60)).toBe(true);
      expect(await store.remember('b', 60)).toBe(true);
    });

    it('keeps apart identifiers that differ only in lone UTF-16 surrogate halves (which UTF-8 would merge)', async () => {
      const store = await makeStore();
      for (const jti of ['jkt.\uD800', 'jkt.\uDBFF', 'jkt.\uFFFD', 'jkt.\uDC00']) expect([jti, await store.remember(jti, 60)]).toEqual([jti, true]);
      expect(await store.remember('jkt.\uD800', 60)).toBe(false);
    });

    it('lets exactly one of many concurrent uses of one jti through', async () => {
      const store = await makeStore();
      const results = await Promise.all(Array.from({ length: 20 }, () => store.remember('race', 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('counts an identifier given as several spellings of one string only once per exact string', async () => {
      const store = await makeStore();
      expect(await store.remember('key.jti', 60)).toBe(true);
      expect(await store.remember('key.JTI', 60)).toBe(true);
      expect(await store.remember('key.jti', 60)).toBe(false);
    });

    it('forgets an identifier after its ttl', async () => {
      const store = await makeStore();
      expect(await store.remember('short', 0.05)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await store.remember('short', 60)).toBe(true);
    });
  });
}
