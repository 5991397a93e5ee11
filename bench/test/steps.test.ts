import { describe, expect, it } from 'vitest';
import type { KeySource } from '@latchkey/core';
import { checkClaims } from '../../packages/core/src/claims.js';
import { eventSink } from '../../packages/core/src/events.js';
import { resolveOptions } from '../../packages/core/src/options.js';
import { decodeJsonObject, decodeSegment, payloadSegmentOf, signingInputOf, splitCompact } from '../../packages/core/src/token.js';
import { generateKeys } from '../src/common/algs.js';
import { AUDIENCE as audience, ISSUER as issuer, claimsFor, makeToken } from '../src/common/fixture.js';
import { staticKeySource } from '../src/common/latchkey.js';
import { STEP_DESCRIPTIONS, breakdownOf, stepLabel, stepRounds, stepsOf, type CoreInternals } from '../src/instructions/steps.mjs';

const core = { resolveOptions, splitCompact, payloadSegmentOf, decodeJsonObject, decodeSegment, signingInputOf, checkClaims } as unknown as CoreInternals;
// The bench's own tokens (header alg/typ/kid; iss, aud, sub, iat, exp, jti), as the worker verifies them.
function tokensOf(alg: 'RS256' | 'HS256', count: number): { tokens: string[]; keys: KeySource } {
  const algKeys = generateKeys(alg);
  const tokens = Array.from({ length: count }, (_, index) => makeToken(algKeys, claimsFor(index)));
  return { tokens, keys: staticKeySource(algKeys) };
}

describe('the steps of a verification, counted alone', () => {
  it.each(['RS256', 'HS256'] as const)('%s: every step runs on valid tokens and reads its result', async (alg) => {
    const { tokens, keys } = tokensOf(alg, 3);
    await keys.warm(eventSink(undefined));
    const steps = stepsOf(core, { alg, tokens, keys, issuer, audience, nowSeconds: Math.floor(Date.now() / 1000) });
    expect(steps.map((step) => step.name)).toEqual(['loop', ...Object.keys(STEP_DESCRIPTIONS)]);
    const first = tokens[0]!;
    const byName = Object.fromEntries(steps.map((step) => [step.name, step.run(0)]));
    expect(byName.split).toBe(first.lastIndexOf('.'));
    expect(byName.payload).toBe(byName.json);
    expect(byName.keys).toBe(1);
    expect(byName.signature).toBe(alg === 'RS256' ? 256 : 32);
    expect(byName.input).toBe(first.lastIndexOf('.'));
    expect(byName.claims).toBe(1);
  });

  it('a claim check that fails throws in its step (a week on, the token has expired): the step runs the real check', async () => {
    const { tokens, keys } = tokensOf('HS256', 1);
    await keys.warm(eventSink(undefined));
    const steps = stepsOf(core, { alg: 'HS256', tokens, keys, issuer, audience, nowSeconds: Math.floor(Date.now() / 1000) + 7 * 24 * 3600 });
    expect(() => steps.find((step) => step.name === 'claims')!.run(0)).toThrow(/expired/);
  });

  it('breakdownOf: fewest round less the loop, per token; the rest is the whole less the steps but JSON.parse', () => {
    const rounds = { loop: [1_000, 900], split: [2_900, 3_000], payload: [10_900, 11_000], json: [7_900, 8_000] };
    expect(breakdownOf(rounds, 2, 7_000)).toEqual({ steps: { split: 1_000, payload: 5_000, json: 3_500 }, rest: 1_000 });
  });

  it("stepRounds reads back the worker's labels: one alg's steps, by name, in round order, nothing else", () => {
    const counts = {
      [stepLabel('RS256', 'split', 0)]: { instructions: 10 },
      [stepLabel('RS256', 'split', 1)]: { instructions: 11 },
      [stepLabel('RS256', 'loop', 0)]: { instructions: 5 },
      [stepLabel('HS256', 'split', 0)]: { instructions: 99 },
      'RS256 floor 0': { instructions: 1 },
      'RS256 latchkey 0': { instructions: 2 },
    };
    expect(stepRounds(counts, 'RS256')).toEqual({ split: [10, 11], loop: [5] });
    expect(stepRounds(counts, 'PS256')).toEqual({});
  });
});
