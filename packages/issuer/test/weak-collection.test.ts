import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WeakCollection } from '../src/internal/weak-collection.js';

describe('WeakCollection: the revocation checks the issuer tells of revocations', () => {
  it('walks its live members in insertion order', () => {
    const members = [{ n: 1 }, { n: 2 }, { n: 3 }];
    const collection = new WeakCollection<{ n: number }>();
    for (const member of members) collection.add(member);
    expect([...collection]).toEqual(members);
    expect(collection.size).toBe(3);
  });

  it('does not keep dropped members alive: of 10 000 added and dropped, none is held after a collection', () => {
    // A child process with the collector exposed: the test runner's workers have none.
    const source = fileURLToPath(new URL('../src/internal/weak-collection.ts', import.meta.url));
    const script = `
      import { WeakCollection } from ${JSON.stringify(source)};
      const collection = new WeakCollection();
      const kept = { kept: true };
      // Held from a global: V8 may collect a local that is never read again, however it is named.
      globalThis.keptMember = kept;
      collection.add(kept);
      for (let i = 0; i < 10000; i += 1) collection.add({ dropped: i });
      const before = collection.size;
      for (let round = 0; round < 5; round += 1) {
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const walked = [...collection];
      console.log(JSON.stringify({ before, walked, after: collection.size }));
    `;
    const output = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const result = JSON.parse(output.trim().split('\n').at(-1)!) as { before: number; after: number; walked: unknown[] };
    expect(result.before).toBe(10_001);
    // The member still referenced stays (and so is still told of revocations); the dropped ones are gone.
    expect(result.walked).toEqual([{ kept: true }]);
    expect(result.after).toBe(1);
  });
});
