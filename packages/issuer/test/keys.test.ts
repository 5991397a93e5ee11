/**
 * Keys: every algorithm family from PEM, JWK and KeyObject; kid = RFC 7638 thumbprint; the JWKS served over
 * HTTP verifies the issuer's tokens in an independent @latchkey/core verifier; HMAC is never published.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createVerifier, remoteJwks, type JwsAlgorithm } from '@latchkey/core';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { SigningAlgorithm, SigningKeyInput } from '../src/keys.js';
import { SECRET, decode, issuerPerTest, login, send, testUsers } from './helpers.js';
import { createIssuer } from '../src/issuer.js';

const start = issuerPerTest();

function pair(alg: SigningAlgorithm): KeyObject {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519').privateKey;
  const curve = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg as 'ES256'];
  return generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
}

const FORMS: Record<string, (key: KeyObject) => SigningKeyInput> = {
  KeyObject: (key) => key,
  PEM: (key) => key.export({ format: 'pem', type: 'pkcs8' }) as string,
  JWK: (key) => key.export({ format: 'jwk' }),
};

describe('asymmetric keys', () => {
  it.each([
    ['RS256', 'PEM'],
    ['PS384', 'KeyObject'],
    ['ES256', 'JWK'],
    ['ES384', 'PEM'],
    ['ES512', 'KeyObject'],
    ['EdDSA', 'JWK'],
  ] as Array<[SigningAlgorithm, string]>)(
    '%s from a %s: signs, publishes the public key with an RFC 7638 kid, verifies through the JWKS',
    async (alg, form) => {
      const { url, issuer } = await start({ algorithm: alg, signingKey: FORMS[form]!(pair(alg)) });
      const jwksAnswer = await send(`${url}/.well-known/jwks.json`, { method: 'GET' });
      expect(jwksAnswer.status).toBe(200);
      expect(jwksAnswer.headers.get('content-type')).toBe('application/jwk-set+json');
      expect(jwksAnswer.headers.get('cache-control')).toBe('public, max-age=300');
      const { keys } = jwksAnswer.body as { keys: Array<Record<string, string>> };
      expect(keys).toHaveLength(1);
      const [jwk] = keys;
      expect(jwk).toMatchObject({ alg, use: 'sig' });
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(jwk).not.toHaveProperty(member);
      expect(jwk!.kid).toBe(await calculateJwkThumbprint(jwk as never, 'sha256'));

      const { access, refresh } = await login(url);
      expect(decode(access).header).toEqual({ alg, typ: 'at+jwt', kid: jwk!.kid });
      // Any resource server: a core verifier that knows only the JWKS URL.
      const remote = createVerifier({
        keys: remoteJwks(`${url}/.well-known/jwks.json`),
        algorithms: [alg as JwsAlgorithm],
        issuer: null,
        audience: null,
        typ: 'at+jwt',
      });
      expect((await remote.verify(access)).payload.sub).toBe('1');
      await expect(remote.verify(refresh)).rejects.toMatchObject({ code: 'ERR_JWS_HEADER_INVALID' });
      // Any other verifier too: jose, from the published set alone.
      const viaJose = await jwtVerify(access, createLocalJWKSet({ keys: keys as never }), { typ: 'at+jwt', algorithms: [alg] });
      expect(viaJose.payload.sub).toBe('1');
      // In process, no HTTP.
      expect((await issuer.verifier().verify(access)).payload.sub).toBe('1');
      await expect(issuer.verifier().verify(refresh)).rejects.toMatchObject({ status: 401 });
      expect((await send(`${url}/api/token/refresh/`, { body: { refresh } })).status).toBe(200);
    },
  );

  it('answers 405 to a POST on the JWKS, and HEAD without a body', async () => {
    const { url } = await start({ algorithm: 'EdDSA', signingKey: pair('EdDSA') });
    expect((await send(`${url}/.well-known/jwks.json`, { method: 'POST', body: {} })).headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    const head = await fetch(`${url}/.well-known/jwks.json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });
});

describe('HMAC', () => {
  it('is never published: no JWKS route, an empty set from issuer.jwks()', async () => {
    const { url, issuer } = await start();
    expect(issuer.jwks()).toEqual({ keys: [] });
    expect(issuer.paths.jwks).toBe(false);
    expect((await send(`${url}/.well-known/jwks.json`, { method: 'GET' })).status).toBe(404);
  });

  it('writes no kid (as simplejwt) and verifies in process', async () => {
    const { url, issuer } = await start({ algorithm: 'HS512', signingKey: SECRET.repeat(2) });
    const { access } = await login(url);
    expect(decode(access).header).toEqual({ alg: 'HS512', typ: 'at+jwt' });
    expect((await issuer.verifier().verify(access)).payload.user_id).toBe('1');
  });
});

describe('key misconfiguration fails at start-up', () => {
  it.each([
    ['an RSA key for ES256', { algorithm: 'ES256', signingKey: pair('RS256') }, /needs|curve/],
    ['a P-256 key for ES384', { algorithm: 'ES384', signingKey: pair('ES256') }, /curve/],
    ['a public key', { algorithm: 'RS256', signingKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey }, /must be a private key/],
    ['a 1024-bit RSA key', { algorithm: 'RS256', signingKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey }, /2048/],
    ['a short HMAC secret', { algorithm: 'HS256', signingKey: 'short' }, /at least 32/],
    [
      'a PEM public key as HMAC secret',
      { algorithm: 'HS256', signingKey: generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }) as string },
      /looks like a public key/,
    ],
    ['a private key for HS256', { algorithm: 'HS256', signingKey: pair('EdDSA') }, /must be a secret/],
    ['garbage PEM', { algorithm: 'RS256', signingKey: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' }, /could not be read/],
    ['an unknown algorithm', { algorithm: 'none', signingKey: SECRET }, /"algorithm" must be one of/],
  ] as Array<[string, Record<string, unknown>, RegExp]>)('%s', async (_, options, message) => {
    const users = await testUsers();
    expect(() => createIssuer({ users, ...(options as { signingKey: string }) })).toThrow(message);
  });
});
