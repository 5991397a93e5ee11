// The step breakdown under callgrind (run.mjs --steps starts it): each step of a verification (steps.mjs)
// counted alone, per algorithm, over the same distinct tokens as worker.mjs, with the same region markers
// (`process.ppid` zeroes, `os.getPriority()` dumps) and the same care for V8's steady state: every step
// warmed, one collection, warmed again, then `rounds` rounds of one region per step.
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { checkClaims } from '../../../packages/core/dist/claims.js';
import { eventSink } from '../../../packages/core/dist/events.js';
import { resolveOptions } from '../../../packages/core/dist/options.js';
import { decodeJsonObject, decodeSegment, payloadSegmentOf, signingInputOf, splitCompact } from '../../../packages/core/dist/token.js';
import { fixtureKeys } from './fixture-keys.mjs';
import { stepLabel, stepsOf } from './steps.mjs';

const [fixturePath, ...onlyAlgs] = process.argv.slice(2);
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));
const collect = globalThis.gc;
if (typeof collect !== 'function') throw new Error('run with --expose-gc');
const core = { resolveOptions, splitCompact, payloadSegmentOf, decodeJsonObject, decodeSegment, signingInputOf, checkClaims };
const { warmup, perRegion, rounds, rewarm } = fixture;

async function stepsFor(alg) {
  const entry = fixture.algs[alg];
  const { keys } = fixtureKeys(alg, entry);
  await keys.warm(eventSink(undefined));
  const input = { alg, tokens: entry.tokens, keys, issuer: fixture.issuer, audience: fixture.audience, nowSeconds: Math.floor(Date.now() / 1000) };
  return { alg, steps: stepsOf(core, input) };
}

let sink = 0;
function loop(step, from, to) {
  for (let i = from; i < to; i++) if (step.run(i) === sink) sink++;
}

const algs = Object.keys(fixture.algs).filter((alg) => onlyAlgs.length === 0 || onlyAlgs.includes(alg));
const all = await Promise.all(algs.map(stepsFor));
const exercise = (passes) => {
  for (let pass = 0; pass < passes; pass++) for (const { steps } of all) for (const step of steps) loop(step, 0, warmup);
};
exercise(Math.max(1, Math.ceil(rewarm / warmup)) * 4);
collect();
collect();
exercise(Math.max(1, Math.ceil(rewarm / warmup)));
for (let round = 0; round < rounds; round++) {
  for (const { alg, steps } of all) {
    for (const step of steps) {
      void process.ppid;
      loop(step, warmup, warmup + perRegion);
      getPriority();
      process.stdout.write(`${stepLabel(alg, step.name, round)}\n`);
    }
  }
}
if (sink === -1) console.error('unreachable');
