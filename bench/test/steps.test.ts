import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSecrets, staticKeys, type KeySource } from '@latchkey/core';
import { checkClaims } from '../../packages/core/src/claims.js';
import { eventSink } from '../../packages/core/src/events.js';
import { resolveOptions } from '../../packages/core/src/options.js';
import { decodeJsonObject, decodeSegment, payloadSegmentOf, signingInputOf, splitCompact } from '../../packages/core/src/token.js';
import { STEP_DESCRIPTIONS, breakdownOf, stepsOf, type CoreInternals } from '../src/instructions/steps.mjs';

const core = { resolveOptions, splitCompact, payloadSegmentOf, decodeJsonObject, decodeSegment, signingInputOf, checkClaims } as unknown as CoreInternals;
const issuer = 'https://idp.latchkey.test/';
const audience = 'https://api.latchkey.test';
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function tokensOf(alg: 'RS256' | 'HS256', count: number): { tokens: string[]; keys: KeySource } {
  const now = Math.floor(Date.now() / 1000);
  const secret = randomBytes(32);
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : undefined;
  const tokens = Array.from({ length: count }, (_, index) => {
    const input = `${b64({ alg, typ: 'JWT', kid: 'k1' })}.${b64({ iss: issuer, aud: audience, sub: `user-${index}`, iat: now, exp: now + 600, jti: `t${index}` })}`;
    const signature = pair === undefined ? createHmac('sha256', secret).update(input).digest() : sign('sha256', Buffer.from(input), pair.privateKey);
    return `${input}.${signature.toString('base64url')}`;
  });
  const keys = pair === undefined ? hmacSecrets([{ kid: 'k1', secret }]) : staticKeys([{ key: pair.publicKey, kid: 'k1', alg }]);
  return { tokens, keys };
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

  it('a claim check that fails throws in its step: the step runs the real check', async () => {
    const { tokens, keys } = tokensOf('HS256', 1);
    await keys.warm(eventSink(undefined));
    const steps = stepsOf(core, { alg: 'HS256', tokens, keys, issuer, audience, nowSeconds: Math.floor(Date.now() / 1000) + 3600 });
    expect(() => steps.find((step) => step.name === 'claims')!.run(0)).toThrow(/expired/);
  });

  it('breakdownOf: fewest round less the loop, per token; the rest is the whole less the steps but JSON.parse', () => {
    const rounds = { loop: [1_000, 900], split: [2_900, 3_000], payload: [10_900, 11_000], json: [7_900, 8_000] };
    expect(breakdownOf(rounds, 2, 7_000)).toEqual({ steps: { split: 1_000, payload: 5_000, json: 3_500 }, rest: 1_000 });
  });
});
