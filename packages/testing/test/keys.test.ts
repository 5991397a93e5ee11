import { constants, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { calculateJwkThumbprint, importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  HMAC_SECRET_BYTES,
  RSA_MODULUS_BITS,
  createTokenFactory,
  generateHmacSecret,
  generateSigningKey,
  isHmacSecret,
} from '@latchkey/testing';

const issuer = 'https://issuer.example';
const audience = 'https://api.example';

const CURVES: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521', EdDSA: 'Ed25519', Ed25519: 'Ed25519' };

describe('generateSigningKey', () => {
  it.each(ASYMMETRIC_ALGORITHMS)('makes a %s key whose tokens verify with jose and with node:crypto', async (alg) => {
    const key = await generateSigningKey(alg);
    const token = await createTokenFactory({ issuer, audience, key }).sign({ sub: 'alice' });
    const [header, payload, signature] = token.split('.') as [string, string, string];

    // jose, from the published JWK (as a verifier reading a JWKS would).
    const { payload: claims, protectedHeader } = await jwtVerify(token, await importJWK(key.publicJwk, alg), { issuer, audience });
    expect(claims.sub).toBe('alice');
    expect(protectedHeader).toMatchObject({ alg, kid: key.kid });

    // node:crypto, from the PEM: an independent check of the same signature.
    const input = Buffer.from(`${header}.${payload}`);
    const sig = Buffer.from(signature, 'base64url');
    const hash = alg.startsWith('Ed') ? null : `sha${alg.slice(2)}`;
    const pem = createPublicKey(key.publicKeyPem);
    const ok = alg.startsWith('PS')
      ? cryptoVerify(hash, input, { key: pem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, sig)
      : cryptoVerify(hash, input, { key: pem, dsaEncoding: 'ieee-p1363' }, sig);
    expect(ok).toBe(true);
  });

  it.each(ASYMMETRIC_ALGORITHMS)('publishes a %s JWK with kid, alg, use and no private members', async (alg) => {
    const key = await generateSigningKey(alg);
    expect(key.publicJwk).toMatchObject({ kid: key.kid, alg, use: 'sig' });
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key.publicJwk).not.toHaveProperty(member);
    expect(key.privateKey.type).toBe('private');
    expect(key.publicKey.type).toBe('public');
    expect(key.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    if (alg.startsWith('RS') || alg.startsWith('PS')) {
      expect(key.publicKey.asymmetricKeyDetails?.modulusLength).toBe(RSA_MODULUS_BITS);
    } else {
      expect(key.publicJwk.crv).toBe(CURVES[alg]);
    }
  });

  it('uses the RFC 7638 thumbprint as the default kid, and a given kid as it is', async () => {
    const a = await generateSigningKey('ES256');
    const b = await generateSigningKey('ES256');
    const named = await generateSigningKey('ES256', { kid: 'key-2024' });
    const { kid: _kid, alg: _alg, use: _use, ...material } = a.publicJwk;
    expect(a.kid).toBe(await calculateJwkThumbprint(material));
    expect(a.kid).not.toBe(b.kid);
    expect(named.kid).toBe('key-2024');
    expect(named.publicJwk.kid).toBe('key-2024');
  });

  it('refuses HMAC and unknown algorithms, and an empty kid, with a TypeError', async () => {
    // @ts-expect-error HS256 is not an asymmetric algorithm
    await expect(generateSigningKey('HS256')).rejects.toThrow(/use generateHmacSecret/);
    // @ts-expect-error 'none' is no algorithm
    await expect(generateSigningKey('none')).rejects.toBeInstanceOf(TypeError);
    await expect(generateSigningKey('ES256', { kid: '' })).rejects.toThrow(/"kid"/);
  });
});

describe('generateHmacSecret', () => {
  it.each(HMAC_ALGORITHMS)('makes a random %s secret as long as the hash output', async (alg) => {
    const a = generateHmacSecret(alg);
    const b = generateHmacSecret(alg);
    expect(a.secret).toHaveLength(HMAC_SECRET_BYTES[alg]);
    expect(Buffer.from(a.secret).equals(Buffer.from(b.secret))).toBe(false);
    expect(isHmacSecret(a)).toBe(true);

    const token = await createTokenFactory({ issuer, audience, key: a }).sign();
    const { protectedHeader } = await jwtVerify(token, a.secret, { issuer, audience });
    expect(protectedHeader.alg).toBe(alg);
    await expect(jwtVerify(token, b.secret)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('defaults to HS256 with no kid, and takes a kid when asked', () => {
    expect(HMAC_SECRET_BYTES).toEqual({ HS256: 32, HS384: 48, HS512: 64 });
    const plain = generateHmacSecret();
    expect(plain.alg).toBe('HS256');
    expect(plain.kid).toBeUndefined();
    expect(generateHmacSecret('HS512', { kid: 'h1' }).kid).toBe('h1');
  });

  it('refuses non-HMAC algorithms', () => {
    // @ts-expect-error RS256 is not an HMAC algorithm
    expect(() => generateHmacSecret('RS256')).toThrow(TypeError);
  });
});

describe('isHmacSecret', () => {
  it('tells a key pair from a secret', async () => {
    expect(isHmacSecret(await generateSigningKey('ES256'))).toBe(false);
    expect(isHmacSecret(generateHmacSecret())).toBe(true);
  });
});

describe('key generators: unknown options and wrong shapes', () => {
  it('refuse an unknown option, suggesting kid', async () => {
    // @ts-expect-error kidd is not an option
    await expect(generateSigningKey('ES256', { kidd: 'k' })).rejects.toThrow(
      new TypeError('generateSigningKey: unknown option "kidd" in options; did you mean "kid"?'),
    );
    // @ts-expect-error kd is not an option
    expect(() => generateHmacSecret('HS256', { kd: 'k' })).toThrow('generateHmacSecret: unknown option "kd" in options; did you mean "kid"?');
  });

  it('refuse null and arrays as options with a TypeError, and take undefined as none', async () => {
    // @ts-expect-error null is not options
    await expect(generateSigningKey('ES256', null)).rejects.toThrow(new TypeError('generateSigningKey: options must be an object, got null'));
    // @ts-expect-error an array is not options
    expect(() => generateHmacSecret('HS256', ['k'])).toThrow(/options must be an object, got an array/);
    expect((await generateSigningKey('ES256', undefined)).kid).toMatch(/^[\w-]{43}$/);
    expect(generateHmacSecret('HS256', undefined).kid).toBeUndefined();
  });
});
