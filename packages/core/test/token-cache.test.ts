/**
 * The verified-token cache with default options (on since issue 15): each safety property the issue lists,
 * one test each. Key rotation and key-set trust against a real JWKS server are in integration.test.ts
 * ("tokenCache: ..."); this file covers the rest without a network.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { claimCheck, DEFAULT_TOKEN_CACHE_BYTES, DEFAULT_TOKEN_CACHE_ENTRIES } from '../src/index.js';
import { tokenCacheEntryBytes } from '../src/token-cache.js';
import { b64, claims, signRaw, testKey, token, verifierFor } from './helpers/tokens.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('verified-token cache, default options', () => {
  afterEach(() => vi.useRealTimers());

  it('is on by default, with documented bounds, and off with tokenCache: false', async () => {
    expect(DEFAULT_TOKEN_CACHE_ENTRIES).toBe(10_000);
    expect(DEFAULT_TOKEN_CACHE_BYTES).toBe(16 * 1024 * 1024);
    const key = testKey('ES256');
    const good = token(key);
    const cached = verifierFor(key);
    const first = await cached.verify(good);
    expect(await cached.verify(good)).toBe(first);
    const uncached = verifierFor(key, { tokenCache: false });
    const a = await uncached.verify(good);
    const b = await uncached.verify(good);
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
    expect(Object.isFrozen(a.payload)).toBe(false);
  });

  it('never serves an entry past exp, nor before the time it verified (a clock set back re-checks nbf)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = 1_900_000_000;
    vi.setSystemTime(now * 1000);
    const key = testKey('ES256');
    // No tolerance, so the cache's bound (exp) and verification's are the same instant.
    const verifier = verifierFor(key, { clockToleranceSeconds: 0 });
    const early = signRaw({ alg: 'ES256', kid: key.kid }, claims({ iat: now, nbf: now, exp: now + 60 }), key);
    const first = await verifier.verify(early);
    expect(await verifier.verify(early)).toBe(first);
    vi.setSystemTime((now - 10) * 1000);
    await expect(verifier.verify(early)).rejects.toMatchObject({ code: 'ERR_JWT_NOT_YET_VALID', status: 401 });
    vi.setSystemTime((now + 59) * 1000);
    await expect(verifier.verify(early)).resolves.toMatchObject({ payload: { exp: now + 60 } });
    vi.setSystemTime((now + 60) * 1000);
    await expect(verifier.verify(early)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED', status: 401 });
  });

  it('runs isRevoked and the route rules on every request, hits included', async () => {
    const key = testKey('ES256');
    let revokedAsks = 0;
    let ruleRuns = 0;
    let revoked = false;
    const verifier = verifierFor(key, {
      isRevoked: () => (revokedAsks++, revoked),
      rules: [claimCheck(() => (ruleRuns++, true), 'counted')],
    });
    const good = token(key);
    const first = await verifier.verify(good);
    expect(await verifier.verify(good)).toBe(first);
    expect(await verifier.verify(good)).toBe(first);
    expect([revokedAsks, ruleRuns]).toEqual([3, 3]);
    revoked = true;
    await expect(verifier.verify(good)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED', status: 401 });
  });

  it('never caches an invalid token: a bad signature, an expired token, a refused rule', async () => {
    const key = testKey('ES256');
    let refuse = true;
    const verifier = verifierFor(key, { rules: [claimCheck(() => !refuse, 'admitted')] });
    const good = token(key);
    await expect(verifier.verify(good)).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_INVALID', status: 401 });
    refuse = false;
    const fresh = await verifier.verify(good);
    expect(await verifier.verify(good)).toBe(fresh);
    const [h, p] = good.split('.');
    const forged = `${h}.${p}.${'A'.repeat(86)}`;
    for (let round = 0; round < 2; round++) await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
    const expired = token(key, { exp: Math.floor(Date.now() / 1000) - 60 });
    for (let round = 0; round < 2; round++) await expect(verifier.verify(expired)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  it("never answers a respelt token with another token's entry", async () => {
    const key = testKey('ES256');
    const verifier = verifierFor(key);
    const good = token(key);
    await verifier.verify(good);
    // A 64-byte signature is 86 characters: the last one carries 4 unused bits. Setting one decodes to the
    // same bytes, so only the canonical-encoding check stands between this spelling and the cached entry.
    const last = ALPHABET.indexOf(good.at(-1)!);
    const respelt = `${good.slice(0, -1)}${ALPHABET[last | 1]}`;
    expect(respelt).not.toBe(good);
    expect(Buffer.from(respelt.split('.')[2]!, 'base64url')).toEqual(Buffer.from(good.split('.')[2]!, 'base64url'));
    await expect(verifier.verify(respelt)).rejects.toMatchObject({ code: 'ERR_JWT_MALFORMED', status: 401 });
  });

  it("never answers a cached token's signature pasted onto another header or payload", async () => {
    const key = testKey('ES256');
    const verifier = verifierFor(key);
    const good = token(key, claims({ sub: 'alice' }));
    await verifier.verify(good);
    await verifier.verify(good);
    const [header, , signature] = good.split('.');
    const forged = `${header}.${b64(claims({ sub: 'admin' }))}.${signature}`;
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID', status: 401 });
    // A header respelt to the same JSON (one more space) with the cached signature: not a hit either.
    const respeltHeader = `${b64(JSON.stringify(JSON.parse(Buffer.from(header!, 'base64url').toString()), null, 1))}.${good.split('.')[1]}.${signature}`;
    await expect(verifier.verify(respeltHeader)).rejects.toMatchObject({ status: 401 });
    // And the cached token itself still hits.
    expect((await verifier.verify(good)).payload.sub).toBe('alice');
  });

  it('is bounded by bytes: an entry too large for maxBytes is never kept, and older entries make room', async () => {
    const key = testKey('HS256');
    const a = token(key, { jti: 'a' });
    const b = token(key, { jti: 'b' });
    // Room for one entry of this size.
    const verifier = verifierFor(key, { tokenCache: { maxBytes: tokenCacheEntryBytes(a) } });
    const firstA = await verifier.verify(a);
    expect(await verifier.verify(a)).toBe(firstA);
    // The cache is full: b is stored on its second verification, and a makes room.
    const onceB = await verifier.verify(b);
    const secondB = await verifier.verify(b);
    expect(secondB).not.toBe(onceB);
    expect(await verifier.verify(b)).toBe(secondB);
    expect(await verifier.verify(a)).not.toBe(firstA);
    const large = token(key, { jti: 'c', padding: 'x'.repeat(4096) });
    const small = verifierFor(key, { tokenCache: { maxBytes: 4096 } });
    const once = await small.verify(large);
    expect(await small.verify(large)).not.toBe(once);
    expect(() => verifierFor(key, { tokenCache: { maxBytes: 0 } })).toThrow(/tokenCache.maxBytes/);
    expect(() => verifierFor(key, { tokenCache: { maxByte: 1 } as never })).toThrow(/maxBytes/);
  });

  it('once full, stores a token only on its second verification: a flood of distinct tokens evicts nothing', async () => {
    const key = testKey('HS256');
    const verifier = verifierFor(key, { tokenCache: { maxEntries: 3 } });
    const held = ['a', 'b', 'c'].map((jti) => token(key, { jti }));
    const first = await Promise.all(held.map((t) => verifier.verify(t)));
    // Six distinct tokens, each seen once (the cache's own length twice over): none is stored, none frozen.
    for (let index = 0; index < 6; index++) {
      const result = await verifier.verify(token(key, { jti: `flood-${index}` }));
      expect(Object.isFrozen(result.payload)).toBe(false);
    }
    for (let index = 0; index < held.length; index++) expect(await verifier.verify(held[index]!)).toBe(first[index]);
    // A token verified twice while the cache is full is stored on the second time, evicting the least recent.
    const repeated = token(key, { jti: 'repeated' });
    const once = await verifier.verify(repeated);
    const twice = await verifier.verify(repeated);
    expect(twice).not.toBe(once);
    expect(Object.isFrozen(twice.payload)).toBe(true);
    expect(await verifier.verify(repeated)).toBe(twice);
    expect(await verifier.verify(held[0]!)).not.toBe(first[0]);
  });
});
