import { describe, expect, it } from 'vitest';
import { createVerifier, hmacSecrets, staticKeys, type VerifierOptions } from '../src/index.js';
import { testKey } from './helpers/tokens.js';

const rsa = testKey('RS256');
const base: VerifierOptions = { keys: staticKeys([rsa.publicKey]), algorithms: ['RS256'], issuer: 'i', audience: 'a' };

describe('verifier options are validated at start-up, naming the option', () => {
  it.each<[string, Partial<VerifierOptions> | Record<string, unknown>, RegExp]>([
    ['keys', { keys: 'https://idp/jwks' }, /"keys" must be a key source/],
    ['algorithms missing', { algorithms: undefined }, /"algorithms" must list/],
    ['algorithms empty', { algorithms: [] }, /"algorithms" must list/],
    ['none', { algorithms: ['none'] }, /unsupported algorithm "none"/],
    ['HS256 with public keys', { algorithms: ['HS256'] }, /HS256, which needs hmacSecrets/],
    ['RS256 with secrets', { keys: hmacSecrets('x'.repeat(32)) }, /RS256, but "keys" holds HMAC secrets/],
    ['issuer missing', { issuer: undefined }, /"issuer" is required \(pass null/],
    ['audience missing', { audience: undefined }, /"audience" is required/],
    ['issuer empty', { issuer: '' }, /"issuer" must be a non-empty string/],
    ['audience list', { audience: ['a', 3] }, /"audience"/],
    ['clock tolerance', { clockToleranceSeconds: -1 }, /"clockToleranceSeconds"/],
    ['max age', { maxTokenAgeSeconds: Number.NaN }, /"maxTokenAgeSeconds"/],
    ['max bytes', { maxTokenBytes: 0 }, /"maxTokenBytes"/],
    ['typ', { typ: [] }, /"typ"/],
    ['rules', { rules: [() => true] }, /"rules"/],
    ['isRevoked', { isRevoked: true }, /"isRevoked"/],
    ['onEvent', { onEvent: 'log' }, /"onEvent"/],
    ['requiredClaims', { requiredClaims: 'jti' }, /"requiredClaims"/],
  ])('%s', (_name, change, message) => {
    expect(() => createVerifier({ ...base, ...change } as VerifierOptions)).toThrow(TypeError);
    expect(() => createVerifier({ ...base, ...change } as VerifierOptions)).toThrow(message);
  });

  it('accepts explicit nulls for issuer and audience', () => {
    expect(() => createVerifier({ ...base, issuer: null, audience: null })).not.toThrow();
  });
});
