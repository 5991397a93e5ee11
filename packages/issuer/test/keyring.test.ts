/**
 * The key ring: states as a pure function of data and the clock (next -> active -> retiring -> retired),
 * the JWKS and the verifiers following them, refresh tokens of a retiring key still accepted, a retired
 * key's tokens refused, HMAC rotation (newest signs, all verify), ring files, developmentKeys, strict options.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVerifier, hmacSecrets, remoteJwks } from '@latchkey/core';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIssuer } from '../src/issuer.js';
import { keyRingFromFile, parseKeyRing } from '../src/keyring/ring-file.js';
import { keyStatesAt, scheduleKeys } from '../src/keyring/schedule.js';
import { thumbprint } from '../src/keys.js';
import { decode, issuerPerTest, login, send, testUsers } from './helpers.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const MIN = 60_000;
const ed25519 = (): KeyObject => generateKeyPairSync('ed25519').privateKey;
const kidOf = (key: KeyObject): string => thumbprint(key.export({ format: 'jwk' }));

afterEach(() => {
  vi.useRealTimers();
});

describe('the schedule (pure)', () => {
  const settings = { maxTokenLifetimeSeconds: 600, retireMarginSeconds: 60 };

  it('walks each key through next, active, retiring and retired; the default retireAt covers the longest token + margin', () => {
    const schedule = scheduleKeys([{ activateAt: iso(T0 + 60 * MIN) }, { activateAt: iso(T0) }, { activateAt: iso(T0 + 120 * MIN) }], settings);
    expect(schedule.map((key) => key.index)).toEqual([1, 0, 2]);
    expect(schedule[0]!.retireAtMs).toBe(T0 + 60 * MIN + 660_000);
    expect(schedule[2]!.retireAtMs).toBe(Number.POSITIVE_INFINITY);
    expect(keyStatesAt(schedule, T0 - 1)).toEqual(['next', 'next', 'next']);
    expect(keyStatesAt(schedule, T0)).toEqual(['active', 'next', 'next']);
    expect(keyStatesAt(schedule, T0 + 60 * MIN)).toEqual(['retiring', 'active', 'next']);
    expect(keyStatesAt(schedule, T0 + 60 * MIN + 659_999)).toEqual(['retiring', 'active', 'next']);
    expect(keyStatesAt(schedule, T0 + 60 * MIN + 660_000)).toEqual(['retired', 'active', 'next']);
    expect(keyStatesAt(schedule, T0 + 200 * MIN)).toEqual(['retired', 'retired', 'active']);
  });

  it.each([
    ['two keys at the same instant', [{ activateAt: iso(T0) }, { activateAt: iso(T0) }], /same instant/],
    [
      'a retireAt before the last token can expire',
      [{ activateAt: iso(T0), retireAt: iso(T0 + 65 * MIN) }, { activateAt: iso(T0 + 60 * MIN) }],
      /too early.*live until 2026-12-01T01:11:00.000Z/,
    ],
    ['a retireAt on the newest key', [{ activateAt: iso(T0), retireAt: iso(T0 + 600 * MIN) }], /newest key/],
    ['a time without a zone', [{ activateAt: '2026-12-01T00:00:00' }], /ISO 8601 time with a zone/],
  ])('refuses %s', (_, entries, message) => {
    expect(() => scheduleKeys(entries, settings)).toThrow(message);
  });

  it.each([
    ['a misspelt setting', { maxTokenLifetimeSeconds: 600, retireMargin: 3600 }, /unknown option "retireMargin".*did you mean "retireMarginSeconds"/],
    ['no token lifetime (every key would retire as its successor activates)', { retireMarginSeconds: 60 }, /"maxTokenLifetimeSeconds" must be/],
    ['a negative margin', { maxTokenLifetimeSeconds: 600, retireMarginSeconds: -1 }, /"retireMarginSeconds" must be/],
  ])('refuses settings with %s', (_, badSettings, message) => {
    expect(() => scheduleKeys([{ activateAt: iso(T0) }, { activateAt: iso(T0 + 60 * MIN) }], badSettings as never)).toThrow(message);
  });
});

describe('an issuer on a ring', () => {
  const start = issuerPerTest();

  it('publishes next keys before they sign, signs with the active one, keeps retiring keys verifying, then drops them', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0 + MIN);
    const [a, b] = [ed25519(), ed25519()];
    const { url, issuer } = await start({
      signingKey: undefined,
      algorithm: 'EdDSA',
      accessTokenLifetimeSeconds: 300,
      refreshTokenLifetimeSeconds: 3600,
      jwksMaxAgeSeconds: 60,
      keyRing: {
        keys: [
          { key: a, activateAt: iso(T0) },
          { key: b, activateAt: iso(T0 + 60 * MIN) },
        ],
        retireMarginSeconds: 60,
      },
    });
    const published = async (): Promise<string[]> =>
      ((await send(`${url}/.well-known/jwks.json`, { method: 'GET' })).body as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);
    // Before the rotation: A signs, B is already published (resource servers learn it an hour early).
    expect(issuer.keyStates().map((key) => key.state)).toEqual(['active', 'next']);
    expect(await published()).toEqual([kidOf(a), kidOf(b)]);
    const before = await login(url);
    expect(decode(before.access).header.kid).toBe(kidOf(a));

    // B activates: it signs; A retires and keeps verifying A's tokens, the refresh token included.
    vi.setSystemTime(T0 + 60 * MIN + 1000);
    expect(issuer.keyStates()).toMatchObject([
      { state: 'retiring', retireAt: iso(T0 + 60 * MIN + 3660_000) },
      { state: 'active', retireAt: undefined },
    ]);
    expect(await published()).toEqual([kidOf(b), kidOf(a)]);
    const after = await login(url);
    expect(decode(after.access).header.kid).toBe(kidOf(b));
    const refreshed = await send(`${url}/api/token/refresh/`, { body: { refresh: before.refresh } });
    expect(refreshed.status).toBe(200);
    expect(decode((refreshed.body as { access: string }).access).header.kid).toBe(kidOf(b));
    const resourceServer = createVerifier({
      keys: remoteJwks(`${url}/.well-known/jwks.json`),
      algorithms: ['EdDSA'],
      issuer: null,
      audience: null,
      typ: 'at+jwt',
      clockToleranceSeconds: 0,
    });
    expect((await resourceServer.verify(after.access)).header.kid).toBe(kidOf(b));

    // A retires: gone from the JWKS and from every verifier, even for a token that claims to live longer.
    vi.setSystemTime(T0 + 60 * MIN + 3660_000);
    expect(issuer.keyStates().map((key) => key.state)).toEqual(['retired', 'active']);
    expect(await published()).toEqual([kidOf(b)]);
    const late = await new SignJWT({ token_type: 'access', jti: 'x'.repeat(32), sub: '1', user_id: '1', fam: 'f' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: kidOf(a) })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(a);
    await expect(issuer.verifier().verify(late)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY', status: 401 });
    expect((await send(`${url}/api/token/verify/`, { body: { token: late } })).status).toBe(401);
  });

  it('rotates HMAC secrets: the newest active one signs, every unretired one verifies, none is published', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0 + MIN);
    const [old, current] = ['o'.repeat(32), 'c'.repeat(32)];
    const { url, issuer } = await start({
      signingKey: undefined,
      accessTokenLifetimeSeconds: 3600,
      refreshTokenLifetimeSeconds: 3600,
      keyRing: {
        keys: [
          { key: old, activateAt: iso(T0) },
          { key: current, activateAt: iso(T0 + 30 * MIN) },
        ],
      },
    });
    expect((await send(`${url}/.well-known/jwks.json`, { method: 'GET' })).status).toBe(404);
    const first = await login(url);
    const onlyOld = createVerifier({ keys: hmacSecrets(old), algorithms: ['HS256'], issuer: null, audience: null, clockToleranceSeconds: 0 });
    const onlyCurrent = createVerifier({ keys: hmacSecrets(current), algorithms: ['HS256'], issuer: null, audience: null, clockToleranceSeconds: 0 });
    await expect(onlyOld.verify(first.access)).resolves.toBeDefined();

    vi.setSystemTime(T0 + 30 * MIN + 1000);
    const second = await login(url);
    expect(decode(second.access).header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    await expect(onlyCurrent.verify(second.access)).resolves.toBeDefined();
    await expect(onlyOld.verify(second.access)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
    // The old secret's tokens still pass while it retires.
    await expect(issuer.verifier().verify(first.access)).resolves.toBeDefined();
    expect((await send(`${url}/api/token/refresh/`, { body: { refresh: first.refresh } })).status).toBe(200);

    // Retired (30 min + 3600 s + 60 s margin): its tokens fail even if they claim to live on.
    vi.setSystemTime(T0 + 30 * MIN + 3660_000);
    const forged = await new SignJWT({ token_type: 'access', jti: 'y'.repeat(32), sub: '1', user_id: '1', fam: 'f' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(Buffer.from(old));
    await expect(issuer.verifier().verify(forged)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a ring with no key active yet, mixed key kinds, a key twice, and misspelt members (with the suggestion)', async () => {
    const users = await testUsers();
    const key = ed25519();
    const make = (keyRing: unknown) => () => createIssuer({ users, algorithm: 'EdDSA', keyRing: keyRing as never });
    expect(make({ keys: [{ key, activateAt: iso(Date.now() + 3_600_000) }] })).toThrow(/no key active yet/);
    expect(
      make({
        keys: [
          { key, activateAt: iso(T0) },
          { key: 's'.repeat(32), algorithm: 'HS256', activateAt: iso(T0 + MIN) },
        ],
      }),
    ).toThrow(/mixes HMAC secrets and asymmetric keys/);
    expect(
      make({
        keys: [
          { key, activateAt: iso(T0) },
          { key, activateAt: iso(T0 + MIN) },
        ],
      }),
    ).toThrow(/holds the key .* twice/);
    expect(make({ keys: [{ key, activeAt: iso(T0) }] })).toThrow(/unknown option "activeAt" in createIssuer keyRing.keys\[0\]; did you mean "activateAt"\?/);
    expect(make({ keys: [{ key, activateAt: iso(T0) }], retireMargin: 5 })).toThrow(/did you mean "retireMarginSeconds"/);
    expect(make({ keys: [{ key: 'short', activateAt: iso(T0), algorithm: 'HS256' }] })).toThrow(/"keyRing.keys\[0\].key" is unusable for HS256/);
    expect(() => createIssuer({ users, signingKey: 's'.repeat(32), keyRing: { keys: [{ key, activateAt: iso(T0) }] } })).toThrow(
      /"keyRing" cannot be combined with "signingKey"/,
    );
  });

  it('warns at start-up when a next key activates sooner than the JWKS max-age', async () => {
    const warnings: Array<{ code?: string }> = [];
    const listen = (warning: Error & { code?: string }): void => void warnings.push(warning);
    process.on('warning', listen);
    try {
      createIssuer({
        users: await testUsers(),
        algorithm: 'EdDSA',
        keyRing: {
          keys: [
            { key: ed25519(), activateAt: iso(T0) },
            { key: ed25519(), activateAt: iso(Date.now() + 10_000) },
          ],
        },
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((warning) => warning.code)).toContain('LATCHKEY_KEY_ACTIVATES_SOON');
    } finally {
      process.off('warning', listen);
    }
  });
});

describe('keys without configuration', () => {
  it('refuses to start without a key, and generates one only with developmentKeys: true, with a warning', async () => {
    const users = await testUsers();
    expect(() => createIssuer({ users })).toThrow(/"signingKey" is required .* developmentKeys: true/);
    expect(() => createIssuer({ users, developmentKeys: 'yes' as never })).toThrow(/"developmentKeys" must be a boolean/);
    const warnings: Array<{ code?: string; message: string }> = [];
    const listen = (warning: Error & { code?: string }): void => void warnings.push(warning);
    process.on('warning', listen);
    try {
      const issuer = createIssuer({ users, developmentKeys: true, algorithm: 'ES256' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toMatchObject([{ code: 'LATCHKEY_DEVELOPMENT_KEYS' }]);
      expect(warnings[0]!.message).toMatch(/In production give "signingKey" or "keyRing"/);
      expect(issuer.jwks().keys).toHaveLength(1);
      const { access } = await issuer.issueTokens((await users.getUser('1'))!);
      expect((await issuer.verifier().verify(access)).payload.sub).toBe('1');
    } finally {
      process.off('warning', listen);
    }
  });
});

describe('ring files', () => {
  let dir: string;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('reads key files relative to the ring, checks each kid against the thumbprint, refuses unknown members', async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-ring-'));
    const [a, b] = [ed25519(), ed25519()];
    await writeFile(join(dir, 'a.jwk.json'), JSON.stringify(a.export({ format: 'jwk' })), { mode: 0o600 });
    await writeFile(join(dir, 'b.pem'), b.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
    const ring = {
      keys: [
        { kid: kidOf(a), alg: 'EdDSA', file: 'a.jwk.json', activateAt: iso(T0), retireAt: iso(T0 + 3 * 86_400_000) },
        { kid: kidOf(b), alg: 'EdDSA', file: 'b.pem', activateAt: iso(T0 + 86_400_000), addedAt: iso(T0) },
      ],
    };
    await writeFile(join(dir, 'keyring.json'), JSON.stringify(ring));
    const issuer = createIssuer({ users: await testUsers(), keyRing: keyRingFromFile(join(dir, 'keyring.json')) });
    expect(issuer.keyStates().map((key) => key.kid)).toEqual([kidOf(a), kidOf(b)]);
    expect(() => parseKeyRing({ keys: [{ ...ring.keys[0]!, kid: kidOf(b) }] } as never, { baseDir: dir } as never)).toThrow(
      /is not the key's RFC 7638 thumbprint.*wrong file/,
    );
    expect(() => parseKeyRing({ keys: [{ ...ring.keys[0]!, activate: 'x' }] } as never, { baseDir: dir })).toThrow(
      /unknown option "activate".*did you mean "activateAt"/,
    );
    expect(() => parseKeyRing('{"keys": [', {})).toThrow(/not valid JSON/);
    // An HMAC ring inline, as one environment variable could carry it.
    const secret = Buffer.alloc(32, 7).toString('base64url');
    const hmac = parseKeyRing(JSON.stringify({ keys: [{ alg: 'HS256', jwk: { kty: 'oct', k: secret }, activateAt: iso(T0) }] }));
    const hmacIssuer = createIssuer({ users: await testUsers(), keyRing: hmac });
    expect(hmacIssuer.keyStates()).toMatchObject([{ alg: 'HS256', state: 'active', kid: undefined }]);
  });
});
