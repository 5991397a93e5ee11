import { describe, expect, it } from 'vitest';
import { countsOf, l1MissesOf, type Counts } from '../src/instructions/counts.mjs';

// The lines callgrind 3.19 writes, as it wrote them for `/bin/true` with and without --cache-sim.
const WITH_CACHE_SIM = [
  'version: 1',
  'events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw',
  'fn=(1) main',
  '1 2',
  'summary: 126547 27880 11769 1083 919 573 1065 781 548',
  'totals: 1 2 3',
].join('\n');
const WITHOUT = ['version: 1', 'events: Ir', 'summary: 126545', 'totals: 126545'].join('\n');

describe("countsOf (callgrind's summary line)", () => {
  it('reads the instructions and, with the cache simulation, the L1 instruction misses and data read + write misses', () => {
    expect(countsOf(WITH_CACHE_SIM)).toEqual({ instructions: 126_547, instructionMisses: 1_083, dataMisses: 919 + 573 });
  });

  it('leaves the misses undefined without the simulation, so nothing reports a zero it never counted', () => {
    expect(countsOf(WITHOUT)).toEqual({ instructions: 126_545, instructionMisses: undefined, dataMisses: undefined });
  });

  it('reads counts callgrind left out of the line as zero (it drops trailing zeros)', () => {
    expect(countsOf(WITH_CACHE_SIM.replace(/^summary: .*$/m, 'summary: 500 100 50 7'))).toEqual({ instructions: 500, instructionMisses: 7, dataMisses: 0 });
  });

  it('refuses a dump without an events or summary line, or whose first event is not Ir', () => {
    expect(() => countsOf('version: 1\nevents: Ir\n')).toThrow(/no callgrind summary/);
    expect(() => countsOf('summary: 5\n')).toThrow(/no callgrind summary/);
    expect(() => countsOf('events: Dr Ir\nsummary: 1 2\n')).toThrow(/no callgrind summary/);
  });
});

describe('l1MissesOf', () => {
  const round = (instructionMisses: number, dataMisses: number): Counts => ({ instructions: 0, instructionMisses, dataMisses });

  it("gives the floor's misses per verification and Latchkey's above it, from the medians of the rounds", () => {
    // Medians over 100 verifications per region: floor 140,000 and 20,000; Latchkey 230,000 and 50,000. The
    // outlier rounds (9e9, 0) move neither median.
    const floor = [round(140_000, 20_000), round(9e9, 9e9), round(139_000, 19_000)];
    const latchkey = [round(230_000, 50_000), round(231_000, 51_000), round(0, 0)];
    expect(l1MissesOf(floor, latchkey, 100)).toEqual({ instruction: { floor: 1_400, aboveFloor: 900 }, data: { floor: 200, aboveFloor: 300 } });
  });
});
