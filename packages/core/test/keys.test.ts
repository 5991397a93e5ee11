import { generateKeyPairSync, createSecretKey } from 'node:crypto';
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
