import { describe, expect, it } from 'vitest';

import { createMemoryReplayStore } from '../src/dpop/replay-store.js';
// The contract is shared with the Redis store: it lives in the private conformance package.
import { describeReplayStoreContract } from '@latchkey/conformance';

describeReplayStoreContract('createMemoryReplayStore', () => createMemoryReplayStore());

describe('createMemoryReplayStore', () => {
  it('stays within its bound, evicting the oldest identifiers', async () => {
    const store = createMemoryReplayStore(2);
    expect(await store.remember('one', 60)).toBe(true);
    expect(await store.remember('two', 60)).toBe(true);
    expect(await store.remember('three', 60)).toBe(true);
    // 'one' was evicted to make room: the iat window, not the store, refuses such old proofs.
    expect(await store.remember('one', 60)).toBe(true);
    expect(await store.remember('three', 60)).toBe(false);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createMemoryReplayStore(0)).toThrow(TypeError);
    expect(() => createMemoryReplayStore(1.5)).toThrow(/positive integer/);
  });
});
