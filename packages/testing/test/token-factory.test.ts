import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_EXPIRES_IN_SECONDS,
  DEFAULT_SCOPE,
  DEFAULT_SUBJECT,
  createTokenFactory,
  generateHmacSecret,
  generateSigningKey,
  type SigningKey,
  type TokenFactory,
} from '@latchkey/testing';

const issuer = 'https://issuer.example';
const audience = 'https://api.example';
const NOW = new Date('2030-01-01T00:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let rsa: SigningKey;
let ec: SigningKey;
let tokens: TokenFactory;

beforeAll(async () => {
  [rsa, ec] = await Promise.all([generateSigningKey('RS256'), generateSigningKey('ES256')]);
  tokens = createTokenFactory({ issuer, audience, key: rsa, now: NOW });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createTokenFactory: defaults', () => {
  it('gives every claim and header member a default', async () => {
    const token = await tokens.sign();
    expect(decodeJwt(token)).toEqual({
      iss: issuer,
      sub: DEFAULT_SUBJECT,
      aud: audience,
      iat: NOW_SECONDS,
      exp: NOW_SECONDS + DEFAULT_EXPIRES_IN_SECONDS,
      jti: expect.stringMatching(UUID),
      scope: DEFAULT_SCOPE,
    });
    expect(decodeJwt(token)).not.toHaveProperty('nbf');
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: rsa.kid, typ: 'JWT' });
    expect(DEFAULT_EXPIRES_IN_SECONDS).toBe(300);
  });

  it('signs tokens a verifier accepts for the configured issuer and audience', async () => {
    const { payload } = await jwtVerify(await tokens.sign(), rsa.publicKey, { issuer, audience, currentDate: NOW });
    expect(payload.sub).toBe(DEFAULT_SUBJECT);
  });

  it('gives each token its own jti', async () => {
    const ids = new Set(await Promise.all([1, 2, 3].map(async () => decodeJwt(await tokens.sign()).jti)));
    expect(ids.size).toBe(3);
  });

  it('reads the system clock by default, so fake timers apply', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-06-01T12:00:00.900Z'));
    const clockTokens = createTokenFactory({ issuer, audience, key: ec });
    expect(decodeJwt(await clockTokens.sign()).iat).toBe(Date.UTC(2031, 5, 1, 12) / 1000);
  });

  it('reads a now() function at each sign', async () => {
    let current = NOW;
    const moving = createTokenFactory({ issuer, audience, key: ec, now: () => current });
    const first = decodeJwt(await moving.sign());
    current = new Date(NOW.getTime() + 60_000);
    const second = decodeJwt(await moving.sign());
    expect(second.iat).toBe((first.iat ?? 0) + 60);
  });

  it('layers factory defaults, factory header and expiry under each call', async () => {
    const layered = createTokenFactory({
      issuer,
      audience: [audience, 'https://other.example'],
      key: ec,
      now: NOW,
      defaults: { scope: 'read:items', tenant: 'acme' },
      header: { typ: 'at+jwt' },
      expiresInSeconds: 60,
      notBeforeInSeconds: 0,
    });
    const token = await layered.sign({ tenant: 'globex' });
    expect(decodeJwt(token)).toMatchObject({
      aud: [audience, 'https://other.example'],
      scope: 'read:items',
      tenant: 'globex',
      nbf: NOW_SECONDS,
      exp: NOW_SECONDS + 60,
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: ec.kid, typ: 'at+jwt' });
  });
});

describe('TokenFactory.sign: overrides', () => {
  it('lets claims win over defaults, and undefined or omit remove them', async () => {
    const payload = decodeJwt(await tokens.sign({ sub: 'alice', scope: 'write', jti: undefined, roles: ['admin'] }, { omit: ['exp', 'iat'] }));
    expect(payload).toEqual({ iss: issuer, sub: 'alice', aud: audience, scope: 'write', roles: ['admin'] });
  });

  it('sets the lifetime, the age and nbf in seconds', async () => {
    expect(decodeJwt(await tokens.sign({}, { expiresInSeconds: 3600 })).exp).toBe(NOW_SECONDS + 3600);
    expect(decodeJwt(await tokens.sign({}, { ageSeconds: 600 }))).toMatchObject({ iat: NOW_SECONDS - 600, exp: NOW_SECONDS - 300 });
    expect(decodeJwt(await tokens.sign({}, { notBeforeInSeconds: 120 })).nbf).toBe(NOW_SECONDS + 120);
  });

  it('makes expired and not-yet-valid tokens a verifier refuses for the right claim', async () => {
    const expired = await tokens.sign({}, { ageSeconds: 600 });
    await expect(jwtVerify(expired, rsa.publicKey, { currentDate: NOW })).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED', claim: 'exp' });
    const early = await tokens.sign({}, { notBeforeInSeconds: 120 });
    await expect(jwtVerify(early, rsa.publicKey, { currentDate: NOW })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'nbf' });
  });

  it('overrides, adds and removes header members', async () => {
    const token = await tokens.sign({}, { header: { typ: 'at+jwt', kid: undefined, 'x-tenant': 'acme' } });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'at+jwt', 'x-tenant': 'acme' });
    await expect(jwtVerify(token, rsa.publicKey, { typ: 'at+jwt', currentDate: NOW })).resolves.toBeTruthy();
  });

  it('signs a crit header as given, which a verifier must refuse unless it knows the extension', async () => {
    const token = await tokens.sign({}, { header: { crit: ['x-policy'], 'x-policy': 'strict' } });
    expect(decodeProtectedHeader(token)).toMatchObject({ crit: ['x-policy'], 'x-policy': 'strict' });
    await expect(compactVerify(token, rsa.publicKey)).rejects.toMatchObject({ code: 'ERR_JOSE_NOT_SUPPORTED' });
    await expect(compactVerify(token, rsa.publicKey, { crit: { 'x-policy': true } })).resolves.toBeTruthy();
  });

  it('signs with another algorithm the key suits', async () => {
    for (const alg of ['RS384', 'PS256'] as const) {
      const token = await tokens.sign({}, { alg });
      expect(decodeProtectedHeader(token).alg).toBe(alg);
      await expect(jwtVerify(token, await importJWK({ ...rsa.publicJwk, alg }, alg), { currentDate: NOW })).resolves.toBeTruthy();
    }
  });

  it('refuses an algorithm the key does not suit (use signWithHeader for that)', async () => {
    await expect(tokens.sign({}, { alg: 'ES256' })).rejects.toThrow(/alg|key/i);
  });

  it('signs with another key, whose kid and alg go in the header', async () => {
    const token = await tokens.sign({}, { key: ec });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: ec.kid, typ: 'JWT' });
    await expect(jwtVerify(token, ec.publicKey, { currentDate: NOW })).resolves.toBeTruthy();
    await expect(jwtVerify(token, rsa.publicKey, { currentDate: NOW })).rejects.toMatchObject({ code: 'ERR_JOSE_NOT_SUPPORTED' });
  });

  it('signs with an HMAC secret, without a kid unless the secret has one', async () => {
    const hmac = generateHmacSecret('HS384');
    const token = await tokens.sign({}, { key: hmac });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS384', typ: 'JWT' });
    await expect(jwtVerify(token, hmac.secret, { currentDate: NOW })).resolves.toBeTruthy();
    const withKid = await tokens.sign({}, { key: generateHmacSecret('HS256', { kid: 'h1' }) });
    expect(decodeProtectedHeader(withKid).kid).toBe('h1');
  });
});

describe('TokenFactory.claims and header', () => {
  it('return what sign() would sign, without signing', () => {
    expect(tokens.claims({ sub: 'bob' }, { omit: ['scope'] })).toEqual({
      iss: issuer,
      sub: 'bob',
      aud: audience,
      iat: NOW_SECONDS,
      exp: NOW_SECONDS + 300,
      jti: expect.stringMatching(UUID),
    });
    expect(tokens.header({ header: { jku: 'https://evil.example/jwks' } })).toEqual({
      alg: 'RS256',
      kid: rsa.kid,
      typ: 'JWT',
      jku: 'https://evil.example/jwks',
    });
  });
});

describe('createTokenFactory: option checks', () => {
  it('names the bad option in a TypeError, at construction', () => {
    const key = ec;
    expect(() => createTokenFactory({ issuer: '', audience, key })).toThrow(/"issuer"/);
    expect(() => createTokenFactory({ issuer, audience: [], key })).toThrow(/"audience"/);
    // @ts-expect-error a string is not a key
    expect(() => createTokenFactory({ issuer, audience, key: 'secret' })).toThrow(/"key"/);
    expect(() => createTokenFactory({ issuer, audience, key, expiresInSeconds: Number.NaN })).toThrow(/"expiresInSeconds"/);
    // @ts-expect-error a number is not a Date
    expect(() => createTokenFactory({ issuer, audience, key, now: 0 })).toThrow(/"now"/);
  });

  it('checks sign() options too', async () => {
    await expect(tokens.sign({}, { ageSeconds: Number.POSITIVE_INFINITY })).rejects.toThrow(/"ageSeconds"/);
    // @ts-expect-error a string is not a key
    await expect(tokens.sign({}, { key: 'secret' })).rejects.toThrow(/"key"/);
  });
});

describe('createTokenFactory and sign: unknown options and wrong shapes', () => {
  // A misspelt option used to be ignored: `expiresIn: 10` signed 300-second tokens.
  it('refuses an unknown factory option, suggesting the intended one', () => {
    // @ts-expect-error expiresIn is not an option
    expect(() => createTokenFactory({ issuer, audience, key: ec, expiresIn: 10 })).toThrow(
      new TypeError('createTokenFactory: unknown option "expiresIn" in options; did you mean "expiresInSeconds"?'),
    );
    // @ts-expect-error not an option, and nothing like one
    expect(() => createTokenFactory({ issuer, audience, key: ec, zzzzzz: 1 })).toThrow(/known options: "issuer", "audience"/);
  });

  it('refuses an array or a non-object where the factory options, defaults or header belong', () => {
    // @ts-expect-error an array is not options
    expect(() => createTokenFactory([issuer, audience, ec])).toThrow(new TypeError('createTokenFactory: options must be an object, got an array'));
    // @ts-expect-error null is not options
    expect(() => createTokenFactory(null)).toThrow(/options must be an object, got null/);
    // @ts-expect-error an array is not claims: it would sign a claim "0"
    expect(() => createTokenFactory({ issuer, audience, key: ec, defaults: ['x'] })).toThrow(/"defaults" must be an object of claims, got an array/);
    // @ts-expect-error an array is not header members
    expect(() => createTokenFactory({ issuer, audience, key: ec, header: ['x'] })).toThrow(/"header" must be an object/);
  });

  it('refuses unknown sign() options, array claims and a non-object header', async () => {
    // @ts-expect-error ageSecond is not an option
    await expect(tokens.sign({}, { ageSecond: 600 })).rejects.toThrow('sign: unknown option "ageSecond" in options; did you mean "ageSeconds"?');
    // @ts-expect-error claims are an object
    await expect(tokens.sign(['x'])).rejects.toThrow(/claims must be an object of claims, got an array/);
    // @ts-expect-error a string is not header members: it would sign members "0" and "1"
    await expect(tokens.sign({}, { header: 'ab' })).rejects.toThrow(/"header" must be an object of header members, got a string/);
    // @ts-expect-error an array is not options
    expect(() => tokens.claims({}, [])).toThrow(/sign: options must be an object, got an array/);
    // @ts-expect-error null is not options
    expect(() => tokens.header(null)).toThrow(/sign: options must be an object, got null/);
    // @ts-expect-error claim names are strings
    expect(() => tokens.claims({}, { omit: [1] })).toThrow(/"omit"/);
    // @ts-expect-error not a signing algorithm
    await expect(tokens.sign({}, { alg: 'none' })).rejects.toThrow(/"alg" must be a signing algorithm.*signWithHeader/);
    await expect(tokens.sign(undefined, undefined)).resolves.toMatch(/^ey/);
  });

  it('names "now" when its function returns something other than a Date, at sign()', async () => {
    // @ts-expect-error a number is not a Date
    const factory = createTokenFactory({ issuer, audience, key: ec, now: () => 5 });
    await expect(factory.sign()).rejects.toThrow(new TypeError('createTokenFactory: "now" must return a Date, got a number'));
  });
});
