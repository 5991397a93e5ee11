import { describe, expect, it } from 'vitest';
import { settings } from '../src/config.js';
import type { AlgInstructions } from '../src/instructions/phase.js';
import { renderReport, type Results } from '../src/report.js';

const counted: AlgInstructions = { floor: 338_750, aboveFloor: 15_444, adapterAboveFloor: 17_404, repeated: 858, adapterRepeated: 1_682 };

function report(rs256: AlgInstructions): string {
  const results: Results = {
    machine: 'test machine',
    quick: false,
    phases: ['instructions'],
    builds: [],
    startedAt: '2026-12-03T00:00:00.000Z',
    settings: settings(false),
    instructions: { status: 'ok', algs: { RS256: rs256 } },
  };
  return renderReport(results);
}

describe('the instructions section of RESULTS.md', () => {
  it('gives the L1 misses table when the run simulated the caches', () => {
    const text = report({ ...counted, l1Misses: { instruction: { floor: 1_403, aboveFloor: 890 }, data: { floor: 1_438, aboveFloor: 302 } } });
    expect(text).toContain('| RS256 | 338,750 | 15,444 | 17,404 | 858 | 1,682 |');
    expect(text).toContain('| RS256 | 1,403 | 890 | 1,438 | 302 |');
  });

  it('leaves the table out when it did not (--quick, or an older JSON)', () => {
    const text = report(counted);
    expect(text).toContain('| RS256 | 338,750 | 15,444 | 17,404 | 858 | 1,682 |');
    expect(text).not.toContain('L1 cache misses');
    expect(text).not.toContain('Where the instructions above the floor go');
  });

  it('gives the step breakdown, one row per step and the rest, when the run counted the steps', () => {
    const steps = { split: 1_444, payload: 10_120, json: 7_318, keys: 144, signature: 1_811, input: 781, clock: 204, claims: 379 };
    const text = report({ ...counted, steps: { steps, rest: 561 } });
    expect(text).toContain('Where the instructions above the floor go');
    expect(text).toContain('| of which JSON.parse of the decoded text alone | 7,318 |');
    expect(text).toContain('| the rest | 561 |');
    expect(text).toContain('| **`verify()` above the floor** | **15,444** |');
  });
});
