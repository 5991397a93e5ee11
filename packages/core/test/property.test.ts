import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../src/index.js';
import { b64, claims, testKey, token, verifierFor } from './helpers/tokens.js';

const key = testKey('ES256');
const verifier = verifierFor(key);
const hmac = verifierFor(testKey('HS256'));
const good = token(key);

async function rejectsTyped(input: string): Promise<void> {
  for (const v of [verifier, hmac]) {
    const outcome = await v.verify(input).then(
      () => 'accepted',
      (error: unknown) => (isLatchkeyError(error) ? 'typed' : error),
    );
    if (outcome === 'accepted' && input === good && v === verifier) continue;
    expect(outcome).toBe('typed');
  }
}

describe('no input crashes the verifier or escapes as an untyped error', () => {
  it('arbitrary strings', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), rejectsTyped), { numRuns: 400 });
  });

  it('three base64url segments of arbitrary bytes', async () => {
    const segment = fc.uint8Array({ maxLength: 120 }).map((bytes) => Buffer.from(bytes).toString('base64url'));
    await fc.assert(
      fc.asyncProperty(segment, segment, segment, (a, b, c) => rejectsTyped(`${a}.${b}.${c}`)),
      { numRuns: 400 },
    );
  });

  it('arbitrary JSON headers and payloads', async () => {
    const [, , sig] = good.split('.');
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.jsonValue(), (header, payload) => rejectsTyped(`${b64(header)}.${b64(payload)}.${sig}`)),
      { numRuns: 300 },
    );
  });

  it('header objects with hostile values for every parameter', async () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.dictionary(fc.string(), fc.string()));
    const header = fc.record(
      { alg: fc.oneof(value, fc.constantFrom('ES256', 'HS256', 'none', 'RS256')), kid: value, typ: value, crit: value, b64: value, jku: value },
      { requiredKeys: [] },
    );
    const [, p, sig] = good.split('.');
    await fc.assert(
      fc.asyncProperty(header, (h) => rejectsTyped(`${b64(h)}.${p}.${sig}`)),
      { numRuns: 300 },
    );
  });

  it('single-character mutations of a valid token', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(good.length - 1), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }), async (index, char) => {
        const mutated = good.slice(0, index) + char + good.slice(index + 1);
        if (mutated === good) return;
        await rejectsTyped(mutated);
      }),
      { numRuns: 400 },
    );
  });

  it('claims of arbitrary types', async () => {
    const anyValue = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    await fc.assert(
      fc.asyncProperty(fc.record({ exp: anyValue, nbf: anyValue, iat: anyValue, iss: anyValue, aud: anyValue, sub: anyValue }), async (overrides) => {
        const input = token(key, { ...overrides, exp: overrides.exp ?? 'not-a-date' });
        await expect(verifier.verify(input)).rejects.toSatisfy(isLatchkeyError);
      }),
      { numRuns: 200 },
    );
    expect(claims()).toBeDefined();
  });
});
