import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUDIENCE, ISSUER, claims, signRaw, testKey, verifierFor } from './helpers/tokens.js';

const NOW = 1_900_000_000;
const key = testKey('ES256');

function verify(payload: Record<string, unknown>, options: Parameters<typeof verifierFor>[1] = {}) {
  return verifierFor(key, options).verify(signRaw({ alg: 'ES256', kid: key.kid }, payload, key));
}

describe('claims (RFC 7519 §4.1)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW * 1000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('accepts a token inside its validity window', async () => {
    await expect(verify(claims({ nbf: NOW - 10, iat: NOW - 10, exp: NOW + 10 }))).resolves.toMatchObject({ payload: { sub: 'user-1' } });
  });

  it('requires exp by default, and can be told not to', async () => {
    const { exp: _exp, ...noExp } = claims();
    await expect(verify(noExp)).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_INVALID', claim: 'exp', status: 401 });
    await expect(verify(noExp, { requireExpiration: false })).resolves.toBeDefined();
  });

  it('rejects expiry at exp, with a clock tolerance (default 5 s)', async () => {
    await expect(verify(claims({ exp: NOW - 5 }))).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED', claim: 'exp' });
    await expect(verify(claims({ exp: NOW - 4 }))).resolves.toBeDefined();
    await expect(verify(claims({ exp: NOW }), { clockToleranceSeconds: 0 })).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    await expect(verify(claims({ exp: NOW + 1 }), { clockToleranceSeconds: 0 })).resolves.toBeDefined();
  });

  it('rejects nbf and iat in the future beyond the tolerance', async () => {
    await expect(verify(claims({ nbf: NOW + 6 }))).rejects.toMatchObject({ code: 'ERR_JWT_NOT_YET_VALID', claim: 'nbf' });
    await expect(verify(claims({ nbf: NOW + 5 }))).resolves.toBeDefined();
    await expect(verify(claims({ iat: NOW + 60 }))).rejects.toMatchObject({ code: 'ERR_JWT_NOT_YET_VALID', claim: 'iat' });
  });

  it('enforces maxTokenAgeSeconds from iat, which it then requires', async () => {
    await expect(verify(claims({ iat: NOW - 100 }), { maxTokenAgeSeconds: 60 })).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED', claim: 'iat' });
    await expect(verify(claims({ iat: NOW - 30 }), { maxTokenAgeSeconds: 60 })).resolves.toBeDefined();
    const { iat: _iat, ...noIat } = claims();
    await expect(verify(noIat, { maxTokenAgeSeconds: 60 })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_INVALID', claim: 'iat' });
  });

  it('checks iss against one issuer or a list', async () => {
    await expect(verify(claims({ iss: 'https://evil.example.com/' }))).rejects.toMatchObject({ code: 'ERR_JWT_ISSUER_NOT_ALLOWED', claim: 'iss' });
    await expect(verify(claims({ iss: 'https://b.example.com/' }), { issuer: [ISSUER, 'https://b.example.com/'] })).resolves.toBeDefined();
    const { iss: _iss, ...noIss } = claims();
    await expect(verify(noIss)).rejects.toMatchObject({ code: 'ERR_JWT_ISSUER_NOT_ALLOWED' });
    await expect(verify(noIss, { issuer: null })).resolves.toBeDefined();
  });

  it('checks aud as a string or array on both sides', async () => {
    await expect(verify(claims({ aud: [AUDIENCE, 'other'] }))).resolves.toBeDefined();
    await expect(verify(claims({ aud: 'other' }))).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_INVALID', claim: 'aud' });
    await expect(verify(claims({ aud: ['x', 'y'] }), { audience: ['y', 'z'] })).resolves.toBeDefined();
    await expect(verify(claims({ aud: [] }))).rejects.toMatchObject({ claim: 'aud' });
    await expect(verify(claims({ aud: undefined }))).rejects.toMatchObject({ claim: 'aud' });
    await expect(verify(claims({ aud: undefined }), { audience: null })).resolves.toBeDefined();
  });

  it.each([
    ['exp', '1900000100'],
    ['nbf', true],
    ['iat', [NOW]],
    ['iss', [ISSUER]],
    ['sub', 42],
    ['jti', { id: 1 }],
    ['aud', 7],
    ['aud', [AUDIENCE, 7]],
  ])('refuses %s of the wrong type (%j)', async (claim, value) => {
    await expect(verify(claims({ [claim]: value }), { issuer: null })).rejects.toMatchObject({ claim });
  });

  it('requires the configured claims and subject', async () => {
    await expect(verify(claims(), { requiredClaims: ['jti'] })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_INVALID', claim: 'jti' });
    await expect(verify(claims({ jti: 'x' }), { requiredClaims: ['jti'] })).resolves.toBeDefined();
    await expect(verify(claims(), { subject: 'someone-else' })).rejects.toMatchObject({ claim: 'sub' });
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'is not satisfied by Object.prototype: requiredClaims ["%s"] fails on a token without it',
    async (name) => {
      await expect(verify(claims(), { requiredClaims: [name] })).rejects.toMatchObject({
        code: 'ERR_JWT_CLAIM_INVALID',
        claim: name,
        message: `the "${name}" claim is missing`,
      });
      // As an own member of the payload, it counts.
      await expect(verify(JSON.parse(`{"${name}":"here",${JSON.stringify(claims()).slice(1)}`), { requiredClaims: [name] })).resolves.toBeDefined();
    },
  );

  it('reads registered claims as own members only, even when Object.prototype is polluted', async () => {
    const polluted = Object.prototype as Record<string, unknown>;
    try {
      polluted.exp = NOW + 3600;
      polluted.aud = AUDIENCE;
      polluted.iss = ISSUER;
      const { exp: _exp, aud: _aud, iss: _iss, ...rest } = claims();
      await expect(verify({ ...rest, aud: AUDIENCE, iss: ISSUER })).rejects.toMatchObject({ claim: 'exp', message: 'the "exp" claim is missing' });
      await expect(verify({ ...rest, exp: NOW + 60, iss: ISSUER })).rejects.toMatchObject({ claim: 'aud', message: 'the "aud" claim is missing' });
      await expect(verify({ ...rest, exp: NOW + 60, aud: AUDIENCE })).rejects.toMatchObject({ code: 'ERR_JWT_ISSUER_NOT_ALLOWED' });
    } finally {
      delete polluted.exp;
      delete polluted.aud;
      delete polluted.iss;
    }
  });
});
