import * as dpop from 'dpop';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';

import { expectedHtu, normaliseHtu } from '../src/dpop/htu.js';
import { accessTokenHash, checkDpopProof, DEFAULT_DPOP_ALGORITHMS, type DpopProofPolicy } from '../src/dpop/proof.js';
import { createMemoryReplayStore } from '../src/dpop/replay-store.js';

const NOW_MS = Date.UTC(2026, 0, 1);
const NOW_S = NOW_MS / 1000;
const HTU = 'https://api.example.test/orders';
const TOKEN = 'header.payload.signature';

function policy(overrides: Partial<DpopProofPolicy> = {}): DpopProofPolicy {
  return { algorithms: DEFAULT_DPOP_ALGORITHMS, iatWindowSeconds: 60, replayStore: createMemoryReplayStore(), now: () => NOW_MS, ...overrides };
}

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
const publicJwk = await exportJWK(publicKey);
const privateJwk = await exportJWK(privateKey);
const JKT = await calculateJwkThumbprint(publicJwk, 'sha256');

let jtiCounter = 0;
async function proof(options: { header?: Record<string, unknown>; claims?: Record<string, unknown> } = {}): Promise<string> {
  jtiCounter += 1;
  return new SignJWT({ jti: `jti-${jtiCounter}`, htm: 'GET', htu: HTU, iat: NOW_S, ath: accessTokenHash(TOKEN), ...options.claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk, ...options.header })
    .sign(privateKey);
}

function context(proofValue: string) {
  return { proof: proofValue, method: 'GET', htu: HTU, accessToken: TOKEN, jkt: JKT };
}

describe('checkDpopProof (RFC 9449 §4.3)', () => {
  it('accepts a valid proof and returns its key thumbprint', async () => {
    expect(await checkDpopProof(context(await proof()), policy())).toEqual({ ok: true, jkt: JKT });
  });

  const refusals: [string, () => Promise<string>, RegExp][] = [
    ['a wrong typ', () => proof({ header: { typ: 'JWT' } }), /typ/],
    ['a private key in the header', () => proof({ header: { jwk: privateJwk } }), /private/],
    ['no jwk', () => proof({ header: { jwk: undefined } }), /jwk/],
    ['a wrong htm', () => proof({ claims: { htm: 'POST' } }), /htm/],
    ['another endpoint in htu', () => proof({ claims: { htu: 'https://api.example.test/admin' } }), /htu/],
    ['another origin in htu', () => proof({ claims: { htu: 'https://evil.example.test/orders' } }), /htu/],
    ['an old iat', () => proof({ claims: { iat: NOW_S - 61 } }), /iat/],
    ['a future iat', () => proof({ claims: { iat: NOW_S + 61 } }), /iat/],
    ['a wrong ath', () => proof({ claims: { ath: accessTokenHash('other') } }), /ath/],
    ['no jti', () => proof({ claims: { jti: undefined } }), /jti/],
  ];
  for (const [what, make, reason] of refusals) {
    it(`refuses a proof with ${what}`, async () => {
      const result = await checkDpopProof(context(await make()), policy());
      expect(result).toMatchObject({ ok: false, error: 'invalid_dpop_proof' });
      expect(result.ok ? '' : result.reason).toMatch(reason);
    });
  }

  it('refuses an algorithm outside the allow-list and a MAC', async () => {
    const result = await checkDpopProof(context(await proof()), policy({ algorithms: ['EdDSA'] }));
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/alg/) });
    const hmac = await new SignJWT({ jti: 'x', htm: 'GET', htu: HTU, iat: NOW_S })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } as JWK })
      .sign(new TextEncoder().encode('secret-secret-secret-secret-secret'));
    expect(await checkDpopProof(context(hmac), policy())).toMatchObject({ ok: false, reason: expect.stringMatching(/alg/) });
  });

  it('refuses a proof signed by a key other than its header jwk', async () => {
    const other = await generateKeyPair('ES256');
    const forged = await new SignJWT({ jti: 'f', htm: 'GET', htu: HTU, iat: NOW_S, ath: accessTokenHash(TOKEN) })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk })
      .sign(other.privateKey);
    expect(await checkDpopProof(context(forged), policy())).toMatchObject({ ok: false, reason: expect.stringMatching(/signature/) });
  });

  it('refuses a key whose thumbprint is not the token cnf.jkt', async () => {
    const other = await generateKeyPair('ES256');
    const otherProof = await new SignJWT({ jti: 'o', htm: 'GET', htu: HTU, iat: NOW_S, ath: accessTokenHash(TOKEN) })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: (await exportJWK(other.publicKey)) as JWK })
      .sign(other.privateKey);
    expect(await checkDpopProof(context(otherProof), policy())).toMatchObject({ ok: false, reason: expect.stringMatching(/cnf\.jkt/) });
  });

  it('refuses a replayed proof', async () => {
    const shared = policy();
    const once = await proof();
    expect(await checkDpopProof(context(once), shared)).toMatchObject({ ok: true });
    expect(await checkDpopProof(context(once), shared)).toMatchObject({ ok: false, reason: expect.stringMatching(/already used/) });
  });

  it('asks for a nonce with use_dpop_nonce when one is required (RFC 9449 §8)', async () => {
    const isNonceAccepted = (nonce: string) => nonce === 'n-1';
    expect(await checkDpopProof({ ...context(await proof()), isNonceAccepted }, policy())).toMatchObject({ ok: false, error: 'use_dpop_nonce' });
    expect(await checkDpopProof({ ...context(await proof({ claims: { nonce: 'n-1' } })), isNonceAccepted }, policy())).toMatchObject({ ok: true });
  });

  it('refuses garbage without throwing', async () => {
    for (const garbage of ['', 'a.b', 'a.b.c', '!!.!!.!!', 'x'.repeat(20_000)]) {
      expect(await checkDpopProof(context(garbage), policy())).toMatchObject({ ok: false, error: 'invalid_dpop_proof' });
    }
  });

  it('accepts proofs made by the independent dpop client library', async () => {
    const keyPair = await dpop.generateKeyPair('ES256');
    const jkt = await dpop.calculateThumbprint(keyPair.publicKey);
    const made = await dpop.generateProof(keyPair, `${HTU}?page=2`, 'GET', undefined, TOKEN);
    const result = await checkDpopProof({ ...context(made), jkt }, policy({ now: () => Date.now() }));
    expect(result).toEqual({ ok: true, jkt });
  });
});

describe('htu normalisation (RFC 3986 §6.2)', () => {
  it('normalises case, default port, percent-encoding and dot segments', () => {
    expect(normaliseHtu('HTTPS://API.Example.TEST:443/a/../orders')).toBe(HTU);
    expect(normaliseHtu('https://api.example.test/%7euser')).toBe(normaliseHtu('https://api.example.test/%7Euser'));
    // An escaped unreserved character is the character (RFC 3986 §6.2.2.2); other escapes stay, upper-cased.
    expect(normaliseHtu('https://api.example.test/%7Euser/%6Frders')).toBe('https://api.example.test/~user/orders');
    expect(normaliseHtu('https://api.example.test/a%2fb%20c')).toBe('https://api.example.test/a%2Fb%20c');
    expect(normaliseHtu('https://api.example.test/a/%2E%2E/orders')).toBe(HTU);
    expect(normaliseHtu('https://api.example.test/%2E%2E%2E')).toBe('https://api.example.test/...');
    expect(normaliseHtu('ftp://api.example.test/')).toBeUndefined();
    expect(normaliseHtu('https://user:pw@api.example.test/')).toBeUndefined();
  });

  it('builds the expected URL from the configured origin, dropping query and fragment', () => {
    expect(expectedHtu('https://api.example.test', '/orders?x=1#f')).toBe(HTU);
    expect(expectedHtu('https://api.example.test', 'orders')).toBeUndefined();
  });
});
