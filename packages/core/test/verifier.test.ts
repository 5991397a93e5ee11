import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  claimEquals,
  createMultiIssuerVerifier,
  createVerifier,
  hmacSecrets,
  remoteJwks,
  requireScopes,
  staticKeys,
  type JwsAlgorithm,
  type LatchkeyEvent,
} from '../src/index.js';
import { startServer } from './helpers/jwks-server.js';
import { AUDIENCE, ISSUER, claims, signRaw, testKey, token, verifierFor } from './helpers/tokens.js';

const ALGS: JwsAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'];

describe('createVerifier', () => {
  afterEach(() => vi.useRealTimers());

  it.each(ALGS)('verifies %s and refuses a tampered signature', async (alg) => {
    const key = testKey(alg);
    const verifier = verifierFor(key);
    const good = token(key, { scope: 'a' });
    await expect(verifier.verify(good)).resolves.toMatchObject({ payload: { scope: 'a', iss: ISSUER }, header: { alg, kid: key.kid }, token: good });
    const [h, p, s] = good.split('.');
    const flipped = `${h}.${p}.${s!.startsWith('A') ? 'B' : 'A'}${s!.slice(1)}`;
    await expect(verifier.verify(flipped)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID', status: 401 });
    const otherPayload = `${h}.${Buffer.from(JSON.stringify(claims({ scope: 'admin' }))).toString('base64url')}.${s}`;
    await expect(verifier.verify(otherPayload)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
  });

  it('accepts the Ed25519 alg name (RFC 9864) when allowed', async () => {
    const key = testKey('EdDSA');
    const verifier = verifierFor(key, { algorithms: ['Ed25519'] });
    await expect(verifier.verify(token(key, {}, { alg: 'Ed25519' }))).resolves.toBeDefined();
  });

  it('picks keys by kid, and tries kid-less tokens against the keys of their algorithm', async () => {
    const a = testKey('RS256', 'a');
    const b = testKey('RS256', 'b');
    const verifier = createVerifier({
      keys: staticKeys([
        { key: a.publicKey, kid: 'a' },
        { key: b.publicKey, kid: 'b' },
      ]),
      algorithms: ['RS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    await expect(verifier.verify(token(b))).resolves.toBeDefined();
    await expect(verifier.verify(signRaw({ alg: 'RS256' }, claims(), b))).resolves.toBeDefined();
    await expect(verifier.verify(token(b, {}, { kid: 'c' }))).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    // kid "a" names key a: b's signature does not verify with it.
    await expect(verifier.verify(token(b, {}, { kid: 'a' }))).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
  });

  it('tries a kid-less token against at most maxCandidateKeys keys (default 3), exact alg matches first', async () => {
    const keys = Array.from({ length: 5 }, (_, index) => testKey('ES256', `ec-${index}`));
    const fifth = signRaw({ alg: 'ES256' }, claims(), keys[4]!);
    const anonymous = keys.map((key) => key.publicKey);
    const build = (options: { maxCandidateKeys?: number } = {}) =>
      createVerifier({ keys: staticKeys(anonymous), algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE, ...options });
    // The cost cap holds by default: the fifth key is never tried.
    await expect(build().verify(fifth)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID', status: 401 });
    await expect(build({ maxCandidateKeys: 5 }).verify(fifth)).resolves.toBeDefined();

    // RSA keys without a declared alg could verify anything RSA; the one key declaring RS256 is tried first.
    const rsaKeys = Array.from({ length: 4 }, (_, index) => testKey('RS256', `rsa-${index}`));
    const signer = rsaKeys[3]!;
    const mixed = createVerifier({
      keys: staticKeys([...rsaKeys.slice(0, 3).map((key) => key.publicKey), { key: signer.publicKey, alg: 'RS256' }]),
      algorithms: ['RS256', 'PS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    await expect(mixed.verify(signRaw({ alg: 'RS256' }, claims(), signer))).resolves.toBeDefined();
  });

  it('rotates HMAC secrets: both verify, by kid or without', async () => {
    const current = testKey('HS256', 'current');
    const previous = testKey('HS256', 'previous');
    const verifier = createVerifier({
      keys: hmacSecrets([
        { kid: 'current', secret: current.privateKey },
        { kid: 'previous', secret: previous.privateKey },
      ]),
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    await expect(verifier.verify(token(previous))).resolves.toBeDefined();
    await expect(verifier.verify(signRaw({ alg: 'HS256' }, claims(), previous))).resolves.toBeDefined();
  });

  it('checks typ when asked (RFC 9068 at+jwt, application/ prefix and case ignored)', async () => {
    const key = testKey('ES256');
    const verifier = verifierFor(key, { typ: 'at+jwt' });
    await expect(verifier.verify(token(key, {}, { typ: 'at+jwt' }))).resolves.toBeDefined();
    await expect(verifier.verify(token(key, {}, { typ: 'application/AT+JWT' }))).resolves.toBeDefined();
    await expect(verifier.verify(token(key, {}, { typ: 'JWT' }))).rejects.toMatchObject({ code: 'ERR_JWS_HEADER_INVALID' });
    await expect(verifier.verify(token(key, {}, { typ: undefined }))).rejects.toMatchObject({ code: 'ERR_JWS_HEADER_INVALID' });
    await expect(verifierFor(key).verify(token(key, {}, { typ: 'anything' }))).resolves.toBeDefined();
    await expect(verifierFor(key, { typ: ['at+jwt', 'dpop+jwt'] }).verify(token(key, {}, { typ: 'dpop+jwt' }))).resolves.toBeDefined();
  });

  it('applies verifier-level rules: claims 401, scopes 403', async () => {
    const key = testKey('ES256');
    await expect(verifierFor(key, { rules: [claimEquals('org', 'acme')] }).verify(token(key))).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_INVALID',
      status: 401,
    });
    await expect(verifierFor(key, { rules: [requireScopes('admin')] }).verify(token(key))).rejects.toMatchObject({
      code: 'ERR_SCOPE_INSUFFICIENT',
      status: 403,
    });
    await expect(verifierFor(key, { rules: [claimEquals('org', 'acme')] }).verify(token(key, { org: 'acme' }))).resolves.toBeDefined();
  });

  it('asks isRevoked for every valid token, and lets its errors through', async () => {
    const key = testKey('ES256');
    const seen: unknown[] = [];
    const verifier = verifierFor(key, {
      isRevoked: async (payload) => {
        seen.push(payload.jti);
        if (payload.jti === 'boom') throw new Error('store down');
        return payload.jti === 'revoked';
      },
    });
    await expect(verifier.verify(token(key, { jti: 'ok' }))).resolves.toBeDefined();
    await expect(verifier.verify(token(key, { jti: 'revoked' }))).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED', status: 401 });
    await expect(verifier.verify(token(key, { jti: 'boom' }))).rejects.toThrow('store down');
    expect(seen).toEqual(['ok', 'revoked', 'boom']);
  });

  it('reports rejections to onEvent without the token, and survives a throwing handler', async () => {
    const key = testKey('ES256');
    const events: LatchkeyEvent[] = [];
    const bad = token(key, { exp: 1 });
    await expect(verifierFor(key, { onEvent: (event) => events.push(event) }).verify(bad)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    expect(events).toEqual([
      {
        type: 'refused',
        stage: 'token',
        code: 'ERR_JWT_EXPIRED',
        status: 401,
        message: 'the token has expired',
        claim: 'exp',
        detail: expect.stringMatching(/^exp is \d+ s in the past \(tolerance 5 s\)$/),
        request: undefined,
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(bad.split('.')[1]);
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const throwing = verifierFor(key, {
      onEvent: () => {
        throw new Error('handler bug');
      },
    });
    await expect(throwing.verify(bad)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    await expect(throwing.verify(bad)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it('never puts the token in an error message or challenge', async () => {
    const key = testKey('RS256');
    const verifier = verifierFor(key);
    const secretish = token(key, { exp: 1, sub: 'SENSITIVE-SUBJECT' });
    const error = (await verifier.verify(secretish).catch((e: unknown) => e)) as Error & { headers: Record<string, string> };
    expect(error.message).not.toContain('SENSITIVE');
    expect(JSON.stringify(error)).not.toContain(secretish.split('.')[1]);
    expect(error.headers['WWW-Authenticate']).not.toContain(secretish.split('.')[1]);
  });
});

describe('shared scratch buffers', () => {
  // The split copies a token's bytes to a shared buffer, which the signature check reads later: a
  // verification that waited for its keys must not check another token's bytes, written meanwhile.
  it.each(['RS256', 'HS256'] as const)('%s: a verification that awaited its keys checks its own signing input, whatever ran meanwhile', async (alg) => {
    const server = await startServer();
    try {
      const remoteKey = testKey('ES256', 'remote');
      server.route('/jwks', { body: { keys: [{ ...remoteKey.publicKey.export({ format: 'jwk' }), kid: 'remote', alg: 'ES256', use: 'sig' }] } });
      const remote = createVerifier({ keys: remoteJwks(server.url('/jwks')), algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE, tokenCache: false });
      const localKey = testKey(alg, 'local');
      const local = verifierFor(localKey, { tokenCache: false });
      const remoteToken = token(remoteKey, { sub: 'remote' });
      // Cold key set: this one waits for the JWKS response.
      const awaiting = remote.verify(remoteToken);
      // Meanwhile, in the same tick, others go through: valid ones, and a forged one.
      const meanwhile = [local.verify(token(localKey, { sub: 'local-1' })), local.verify(token(localKey, { sub: 'local-2' }))];
      // Another token's payload under a local header and signature: its bytes differ from every valid one's.
      const [header, , signature] = token(localKey, { sub: 'local-x' }).split('.');
      const forgedCheck = local.verify(`${header}.${remoteToken.split('.')[1]}.${signature}`).catch((error: unknown) => error);
      await expect(awaiting).resolves.toMatchObject({ payload: { sub: 'remote' } });
      await expect(Promise.all(meanwhile)).resolves.toMatchObject([{ payload: { sub: 'local-1' } }, { payload: { sub: 'local-2' } }]);
      expect(await forgedCheck).toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
      // And the other way round: a synchronous check right after a wait reads its own bytes too.
      await expect(local.verify(token(localKey, { sub: 'local-3' }))).resolves.toMatchObject({ payload: { sub: 'local-3' } });
    } finally {
      await server.close();
    }
  });
});

describe('verified-token cache', () => {
  afterEach(() => vi.useRealTimers());

  it('serves a repeated token from the cache, keyed by the whole token', async () => {
    const key = testKey('ES256');
    const verifier = verifierFor(key, { tokenCache: true });
    const good = token(key);
    const first = await verifier.verify(good);
    expect(await verifier.verify(good)).toBe(first);
    expect(Object.isFrozen(first.payload)).toBe(true);
    // Same header and payload, another signature: never a hit.
    const [h, p] = good.split('.');
    await expect(verifier.verify(`${h}.${p}.${'A'.repeat(86)}`)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
  });

  it('never serves a token past its exp', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = 1_900_000_000;
    vi.setSystemTime(now * 1000);
    const key = testKey('ES256');
    const verifier = verifierFor(key, { tokenCache: true, clockToleranceSeconds: 0 });
    const shortLived = signRaw({ alg: 'ES256', kid: key.kid }, claims({ iat: now, exp: now + 10 }), key);
    await verifier.verify(shortLived);
    vi.setSystemTime((now + 10) * 1000);
    await expect(verifier.verify(shortLived)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  it('still asks isRevoked and the rules on a cache hit', async () => {
    const key = testKey('ES256');
    let revoked = false;
    const verifier = verifierFor(key, { tokenCache: true, isRevoked: () => revoked });
    const good = token(key);
    await verifier.verify(good);
    revoked = true;
    await expect(verifier.verify(good)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
  });

  it('stays bounded by maxEntries', async () => {
    const key = testKey('HS256');
    const verifier = verifierFor(key, { tokenCache: { maxEntries: 5 } });
    const tokens = Array.from({ length: 20 }, (_, i) => token(key, { jti: `t${i}` }));
    for (const t of tokens) await verifier.verify(t);
    const first = await verifier.verify(tokens[19]!);
    expect(await verifier.verify(tokens[19]!)).toBe(first);
    // The oldest were evicted: verifying again yields a new result object.
    const again = await verifier.verify(tokens[0]!);
    expect(again).not.toBe(await verifier.verify(tokens[1]!));
  });

  it('freezes cached results deeply: a handler changing one cannot change what the next request sees', async () => {
    const key = testKey('ES256');
    const verifier = verifierFor(key, { tokenCache: true });
    const good = token(key, { roles: ['user'], profile: { groups: ['g1'], address: { city: 'Lyon' } } }, { x5c: ['cert'] });
    const first = await verifier.verify(good);
    const payload = first.payload as { roles: string[]; profile: { groups: string[]; address: { city: string } } };
    expect(() => payload.roles.push('admin')).toThrow(TypeError);
    expect(() => payload.profile.groups.push('admin')).toThrow(TypeError);
    expect(() => {
      payload.profile.address.city = 'Paris';
    }).toThrow(TypeError);
    expect(() => (first.header.x5c as string[]).push('x')).toThrow(TypeError);
    expect(() => {
      (first as { payload: unknown }).payload = {};
    }).toThrow(TypeError);
    const again = await verifier.verify(good);
    expect(again.payload).toMatchObject({ roles: ['user'], profile: { groups: ['g1'], address: { city: 'Lyon' } } });
  });

  it('validates its options', () => {
    const key = testKey('HS256');
    expect(() => verifierFor(key, { maxCandidateKeys: 0 })).toThrow(/"maxCandidateKeys" must be an integer/);
    expect(() => verifierFor(key, { maxCandidateKeys: 1.5 })).toThrow(/maxCandidateKeys/);
    expect(() => verifierFor(key, { tokenCache: { maxEntries: 0 } })).toThrow(/tokenCache.maxEntries/);
    expect(() => verifierFor(key, { tokenCache: 'yes' as never })).toThrow(/tokenCache/);
    // An array is an object, but not an options object: it must not read as "on, with defaults".
    expect(() => verifierFor(key, { tokenCache: [] as never })).toThrow(/tokenCache/);
    expect(() => verifierFor(key, { tokenCache: [{ maxEntries: 0 }] as never })).toThrow(/tokenCache/);
  });
});

describe('createMultiIssuerVerifier', () => {
  const a = testKey('RS256', 'tenant-a');
  const b = testKey('ES256', 'tenant-b');
  const verifier = createMultiIssuerVerifier({
    issuers: [
      { issuer: 'https://a.example.com/', keys: staticKeys([{ key: a.publicKey, kid: a.kid }]), algorithms: ['RS256'], audience: AUDIENCE },
      { issuer: 'https://b.example.com/', keys: staticKeys([{ key: b.publicKey, kid: b.kid }]), algorithms: ['ES256'], audience: 'api-b', typ: 'at+jwt' },
    ],
  });

  it('verifies each issuer with its own keys and rules', async () => {
    await expect(verifier.verify(token(a, { iss: 'https://a.example.com/' }))).resolves.toMatchObject({ payload: { iss: 'https://a.example.com/' } });
    await expect(verifier.verify(token(b, { iss: 'https://b.example.com/', aud: 'api-b' }, { typ: 'at+jwt' }))).resolves.toBeDefined();
    await expect(verifier.verify(token(b, { iss: 'https://b.example.com/', aud: AUDIENCE }, { typ: 'at+jwt' }))).rejects.toMatchObject({ claim: 'aud' });
    await expect(verifier.verify(token(b, { iss: 'https://b.example.com/', aud: 'api-b' }))).rejects.toMatchObject({ code: 'ERR_JWS_HEADER_INVALID' });
  });

  it("never lets one issuer's key vouch for another issuer", async () => {
    await expect(verifier.verify(token(a, { iss: 'https://b.example.com/', aud: 'api-b' }, { typ: 'at+jwt' }))).rejects.toMatchObject({
      code: 'ERR_JWS_ALG_NOT_ALLOWED',
    });
    const bAsA = signRaw({ alg: 'ES256', kid: b.kid }, claims({ iss: 'https://a.example.com/' }), b);
    await expect(verifier.verify(bAsA)).rejects.toMatchObject({ code: 'ERR_JWS_ALG_NOT_ALLOWED' });
  });

  it('refuses unknown and missing issuers before any key lookup', async () => {
    await expect(verifier.verify(token(a, { iss: 'https://evil.example.com/' }))).rejects.toMatchObject({ code: 'ERR_JWT_ISSUER_NOT_ALLOWED', status: 401 });
    await expect(verifier.verify(token(a, { iss: undefined }))).rejects.toMatchObject({ code: 'ERR_JWT_ISSUER_NOT_ALLOWED' });
    await expect(verifier.verify(token(a, { iss: ['https://a.example.com/'] }))).rejects.toMatchObject({ code: 'ERR_JWT_ISSUER_NOT_ALLOWED' });
  });

  it('validates options, naming the issuer entry', () => {
    expect(() => createMultiIssuerVerifier({ issuers: [] })).toThrow(/issuers/);
    expect(() => createMultiIssuerVerifier({ issuers: [{ issuer: 'x', keys: staticKeys([a.publicKey]), algorithms: ['HS256'], audience: null }] })).toThrow(
      /issuers\[0\].*algorithms/,
    );
  });
});
