import { createPublicKey, createSecretKey, generateKeyPairSync, randomBytes, type JsonWebKeyInput } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportJWK } from 'jose';
import { prepareJwk, prepareSecret, prepareStaticKey } from '../src/keys.js';
import { hmacSecrets, staticKeys } from '../src/index.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

describe('prepareJwk', () => {
  it('derives the algorithms from the key type, narrowed by alg', async () => {
    const jwk = await exportJWK(rsa.publicKey);
    expect([...(await prepareJwk(jwk)).algorithms]).toEqual(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
    expect([...(await prepareJwk({ ...jwk, alg: 'PS256', kid: 'k' })).algorithms]).toEqual(['PS256']);
    expect([...(await prepareJwk(await exportJWK(ec.publicKey))).algorithms]).toEqual(['ES256']);
    expect([...(await prepareJwk(await exportJWK(ed.publicKey))).algorithms]).toEqual(['EdDSA', 'Ed25519']);
  });

  it.each([
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0' }, /symmetric/],
    ['private key material', 'private', /private/],
    ['use: enc', { use: 'enc' }, /use/],
    ['key_ops without verify', { key_ops: ['encrypt'] }, /key_ops/],
    ['an HMAC alg on an RSA key', { alg: 'HS256' }, /alg/],
    ['alg none', { alg: 'none' }, /alg/],
    ['a non-string kid', { kid: 7 }, /kid/],
  ])('refuses %s', async (_name, change, message) => {
    const base = await exportJWK(rsa.publicKey);
    const jwk = change === 'private' ? await exportJWK(rsa.privateKey) : 'kty' in (change as object) ? change : { ...base, ...(change as object) };
    await expect(prepareJwk(jwk)).rejects.toThrow(message);
  });

  it('refuses RSA keys under 2048 bits', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await expect(prepareJwk(await exportJWK(weak.publicKey))).rejects.toThrow(/1024 bits/);
  });

  it('refuses an EC key whose alg does not match its curve', async () => {
    await expect(prepareJwk({ ...(await exportJWK(ec.publicKey)), alg: 'ES384' })).rejects.toThrow();
  });

  it('refuses non-objects', async () => {
    await expect(prepareJwk(null)).rejects.toThrow(/object/);
    await expect(prepareJwk([])).rejects.toThrow(/object/);
    await expect(prepareJwk({})).rejects.toThrow(/kty/);
  });
});

describe('prepareStaticKey', () => {
  it('reads SPKI PEM, PKCS#1 PEM, KeyObjects and derives the public half of private keys', async () => {
    const spki = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const pkcs1 = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect((await prepareStaticKey(spki)).keyObject.type).toBe('public');
    expect((await prepareStaticKey(pkcs1)).keyObject.type).toBe('public');
    expect((await prepareStaticKey(rsa.privateKey)).keyObject.type).toBe('public');
    expect([...(await prepareStaticKey(ec.publicKey, { alg: 'ES256', kid: 'e' })).algorithms]).toEqual(['ES256']);
  });

  it('refuses a secret KeyObject and garbage PEM', async () => {
    await expect(prepareStaticKey(createSecretKey(Buffer.alloc(32)))).rejects.toThrow(/secret/);
    await expect(prepareStaticKey('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----')).rejects.toThrow(/PEM/);
  });

  it('refuses an alg the key cannot verify', async () => {
    await expect(prepareStaticKey(ec.publicKey, { alg: 'RS256' })).rejects.toThrow(/none of the supported/);
  });
});

describe('prepareSecret', () => {
  it('enforces the RFC 7518 §3.2 minimum length per algorithm', () => {
    expect([...prepareSecret({ secret: 'x'.repeat(32) }).algorithms]).toEqual(['HS256']);
    expect([...prepareSecret({ secret: 'x'.repeat(64) }).algorithms]).toEqual(['HS256', 'HS384', 'HS512']);
    expect(() => prepareSecret({ secret: 'short' })).toThrow(/5 bytes; HS256 needs at least 32/);
    expect(() => prepareSecret({ secret: 'x'.repeat(40), alg: 'HS384' })).toThrow(/HS384 needs at least 48/);
  });

  it('refuses public keys and JWKs as HMAC secrets (algorithm confusion)', () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => prepareSecret({ secret: pem })).toThrow(/looks like a public key/);
    expect(() => prepareSecret({ secret: ` \u200b${rsa.publicKey.export({ type: 'pkcs1', format: 'pem' })}` })).toThrow(/looks like a public key/);
    expect(() => prepareSecret({ secret: JSON.stringify({ kty: 'RSA', n: 'x'.repeat(40), e: 'AQAB' }) })).toThrow(/public key or JWK/);
    expect(() => prepareSecret({ secret: rsa.publicKey })).toThrow(/secret KeyObject/);
  });

  it.each([
    ['a PEM Buffer (readFileSync without an encoding)', () => Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'pem' }))],
    ['a PEM Uint8Array', () => new Uint8Array(Buffer.from(rsa.publicKey.export({ type: 'pkcs1', format: 'pem' })))],
    ['a JWK Buffer', () => Buffer.from(JSON.stringify(rsa.publicKey.export({ format: 'jwk' })))],
    ['DER SPKI bytes', () => rsa.publicKey.export({ type: 'spki', format: 'der' })],
    ['DER PKCS#1 bytes', () => rsa.publicKey.export({ type: 'pkcs1', format: 'der' })],
    ['a secret KeyObject holding a PEM', () => createSecretKey(Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'pem' })))],
    ['a secret KeyObject holding a JWK', () => createSecretKey(Buffer.from(JSON.stringify(ec.publicKey.export({ format: 'jwk' }))))],
  ])('refuses %s as an HMAC secret, as it does the string', (_what, secret) => {
    expect(() => prepareSecret({ secret: secret() })).toThrow(/looks like a public key/);
    expect(() => hmacSecrets(secret())).toThrow(/looks like a public key/);
  });

  it('still accepts random bytes and secret KeyObjects', () => {
    expect(prepareSecret({ secret: randomBytes(32) }).algorithms.has('HS256')).toBe(true);
    expect(prepareSecret({ secret: createSecretKey(randomBytes(64)) }).algorithms.has('HS512')).toBe(true);
    // A DER-looking first byte alone is not a key.
    expect(prepareSecret({ secret: Buffer.concat([Buffer.from([0x30]), randomBytes(40)]) }).algorithms.has('HS256')).toBe(true);
  });
});

describe('RSA key bounds, at key load, for every form of key', () => {
  const base = rsa.publicKey.export({ format: 'jwk' }) as { kty: string; n: string; e: string };
  const withExponent = (e: bigint) => ({
    ...base,
    e: Buffer.from(e.toString(16).padStart(2 * Math.ceil(e.toString(16).length / 2), '0'), 'hex').toString('base64url'),
  });
  const forms = (jwk: object) => {
    const key = createPublicKey({ key: jwk as JsonWebKeyInput['key'], format: 'jwk' });
    return [
      ['JWK', () => prepareJwk(jwk)],
      ['PEM', () => prepareStaticKey(key.export({ type: 'spki', format: 'pem' }).toString())],
      ['PKCS#1 PEM', () => prepareStaticKey(key.export({ type: 'pkcs1', format: 'pem' }).toString())],
      ['KeyObject', () => prepareStaticKey(key)],
      ['static JWK', () => prepareStaticKey(jwk as never)],
    ] as const;
  };

  it.each([
    [1n, 'e = 1 (anyone could forge)'],
    [3n, 'e = 3'],
    [65535n, 'e = 65535'],
    [65538n, 'an even e'],
    [2n ** 32n + 1n, 'e > 2^32'],
  ])('refuses public exponent %s (%s)', async (e) => {
    for (const [form, load] of forms(withExponent(e))) {
      await expect(load(), form).rejects.toThrow(/RSA public exponent .* refused/);
    }
  });

  it('accepts e = 65537 and e = 2^32 - 1', async () => {
    for (const e of [65537n, 2n ** 32n - 1n]) {
      for (const [form, load] of forms(withExponent(e))) await expect(load(), form).resolves.toMatchObject({ algorithms: expect.any(Set) });
    }
  });

  it('refuses moduli over 8192 bits, from a JWK, a PEM, a KeyObject and a certificate alike', async () => {
    // Built, not generated (a 16384-bit key takes seconds to generate): any odd n of that size parses.
    const n = Buffer.concat([Buffer.from([0xc0]), randomBytes(16384 / 8 - 2), Buffer.from([0x01])]);
    for (const [form, load] of forms({ kty: 'RSA', n: n.toString('base64url'), e: 'AQAB' })) {
      await expect(load(), form).rejects.toThrow(/16384 bits refused \(maximum 8192\)/);
    }
    const justOver = Buffer.concat([Buffer.from([0x01]), randomBytes(8192 / 8 - 1), Buffer.from([0x01])]);
    await expect(prepareJwk({ kty: 'RSA', n: justOver.toString('base64url'), e: 'AQAB' })).rejects.toThrow(/8193 bits refused/);
  });

  it.each([
    // Made with `openssl x509 -new -force_pubkey` (a CA signs any public key it is given).
    ['rsa-exponent-1.cert.pem', /RSA public exponent 1 refused/],
    ['rsa-16384.cert.pem', /16384 bits refused/],
  ])('refuses the X.509 certificate %s', async (file, message) => {
    const pem = readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8');
    await expect(prepareStaticKey(pem)).rejects.toThrow(message);
    await expect(staticKeys(pem).warm({ emit() {}, active: false })).rejects.toThrow(message);
  });
});

describe('sources', () => {
  it('hmacSecrets fails at configuration time, naming the secret', () => {
    expect(() => hmacSecrets([{ kid: 'old', secret: 'short' }])).toThrow(/secret #0 \("old"\) is unusable/);
    expect(() => hmacSecrets([])).toThrow(/no secrets/);
  });

  it('staticKeys reports an unusable key when warmed', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const source = staticKeys([{ key: weak.publicKey, kid: 'weak' }]);
    await expect(source.warm({ emit() {}, active: false })).rejects.toThrow(/key #0 \("weak"\) is unusable: RSA key of 1024 bits/);
  });
});
