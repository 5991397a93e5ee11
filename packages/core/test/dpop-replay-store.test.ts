import { describe, expect, it } from 'vitest';

import { ReplayStoreFullError, createMemoryReplayStore } from '../src/dpop/replay-store.js';
// The contract is shared with the Redis store: it lives in the private conformance package.
import { describeReplayStoreContract } from '@latchkey/conformance';

describeReplayStoreContract('createMemoryReplayStore', () => createMemoryReplayStore());

describe('createMemoryReplayStore', () => {
  it('stays within its bound and never drops a live identifier: full of live ones, it refuses new proofs', async () => {
    const store = createMemoryReplayStore(2);
    expect(await store.remember('one', 60)).toBe(true);
    expect(await store.remember('two', 60)).toBe(true);
    // A flood of fresh proofs must not push 'one' out and re-open its replay inside the iat window. The
    // refusal is the server's (503, retry when the oldest leaves), not a replay blamed on the client.
    let full: unknown;
    try {
      await store.remember('three', 60);
    } catch (error) {
      full = error;
    }
    expect(full).toBeInstanceOf(ReplayStoreFullError);
    expect(full).toMatchObject({ code: 'ERR_DPOP_REPLAY_STORE_FULL', status: 503, statusCode: 503, expose: false, headers: { 'retry-after': '60' } });
    expect(await store.remember('one', 60)).toBe(false);
  });

  it('makes room as the oldest identifiers expire', async () => {
    const store = createMemoryReplayStore(2);
    expect(await store.remember('short', 0.05)).toBe(true);
    expect(await store.remember('long', 60)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.remember('next', 60)).toBe(true);
    expect(await store.remember('long', 60)).toBe(false);
    expect(await store.remember('next', 60)).toBe(false);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createMemoryReplayStore(0)).toThrow(TypeError);
    expect(() => createMemoryReplayStore(1.5)).toThrow(/positive integer/);
  });
});
