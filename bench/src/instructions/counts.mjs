// Reading callgrind's output, and the L1 arithmetic over it: pure, so a test can pin both (run.mjs runs
// valgrind and is not importable).
import { median } from '../common/order-statistics.mjs';

/**
 * One dump's counts, from its text: instructions (Ir, always the first event), and with --cache-sim the
 * L1 misses: instruction fetches (I1mr), data reads and writes (D1mr + D1mw); undefined without it.
 */
export function countsOf(text) {
  const events = /^events: (.*)$/m.exec(text)?.[1].split(' ');
  const summary = /^summary: (.*)$/m.exec(text)?.[1].split(' ').map(Number);
  if (events === undefined || summary === undefined || events[0] !== 'Ir') throw new Error('no callgrind summary');
  // callgrind leaves trailing zero counts out of a line.
  const of = (event) => {
    const at = events.indexOf(event);
    return at === -1 ? undefined : (summary[at] ?? 0);
  };
  const readMisses = of('D1mr');
  return { instructions: summary[0], instructionMisses: of('I1mr'), dataMisses: readMisses === undefined ? undefined : readMisses + of('D1mw') };
}

/**
 * L1 misses per verification of the floor, and of Latchkey above it, from each round's counts of the two
 * regions (`perRegion` verifications each), as the difference of the medians over rounds: unlike
 * instructions, a miss count has no "fewest is cleanest".
 */
export function l1MissesOf(floorRounds, latchkeyRounds, perRegion) {
  const pair = (field) => {
    const floor = median(floorRounds.map((counts) => counts[field])) / perRegion;
    const latchkey = median(latchkeyRounds.map((counts) => counts[field])) / perRegion;
    return { floor: Math.round(floor), aboveFloor: Math.round(latchkey - floor) };
  };
  return { instruction: pair('instructionMisses'), data: pair('dataMisses') };
}
