/**
 * The built `latchkey` binary against hostile and broken input: a token whose claims carry terminal escape
 * sequences, key files that are malformed, private in unknown ways or endless, rings the issuer would
 * refuse, a ring with inline secrets whose mode must survive a rotation, and a configuration whose unknown
 * option names need escaping. Every case ends with a clear message and its exit code, never a stack trace.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey } from './latchkey.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-hostile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** An ES256 token signed by hand, with whatever header and claims a hostile issuer likes. */
function token(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${b64({ alg: 'ES256', ...header })}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

async function file(name: string, contents: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof contents === 'string' ? contents : JSON.stringify(contents));
  return path;
}

/** No stack trace, ever: a user sees one line saying what is wrong. */
function expectCleanFailure(result: { code: number; stderr: string }, code: number, message: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('latchkey inspect: token content reaches the terminal inert', () => {
  it('writes control and bidi characters of claim names, values and headers as \\u escapes', async () => {
    const pem = await file('ec.pub.pem', publicKey.export({ type: 'spki', format: 'pem' }));
    const hostile = token({ kid: 'k\u001b[31m' }, { sub: 'x', '\u001b]0;pwned\u0007\u001b[2K\rVALID: forged\n  evil': 1, note: 'a\u009b2Jb\u202e' });
    const result = await latchkey(['inspect', hostile, '--key', pem, '--algorithms', 'ES256']);
    // The whole output: no ESC, BEL, CR, C1 CSI or bidi override, and the forged line is not a line of its own.
    // eslint-disable-next-line no-control-regex -- asserting no control character got through
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(result.stdout).not.toMatch(/^VALID: forged/m);
    expect(result.stdout).toContain('\\u001b]0;pwned\\u0007');
    expect(result.stdout).toContain('"a\\u009b2Jb\\u202e"');
  });

  it('reports a header the core refuses for crit or b64 as the format check, not as "typ"', async () => {
    const pem = await file('ec-crit.pub.pem', publicKey.export({ type: 'spki', format: 'pem' }));
    const result = await latchkey(['inspect', token({ crit: ['zzz'], zzz: 1 }, { sub: 'x' }), '--key', pem, '--algorithms', 'ES256']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ {2}format +fail$/m);
    expect(result.stdout).toMatch(/^ {2}typ +not checked/m);
    expect(result.stdout).not.toContain('expected (absent)');
  });

  it('reports an unusable key as a usage error (exit 2), not a failing token', async () => {
    const privateJwk = await file('private.jwk.json', privateKey.export({ format: 'jwk' }));
    const empty = await file('null-set.json', { keys: [null] });
    const result = await latchkey(['inspect', token({}, { sub: 'x' }), '--key', privateJwk, '--algorithms', 'ES256']);
    expectCleanFailure(result, 2, /the key cannot be used: .*private key material/);
    expectCleanFailure(await latchkey(['inspect', token({}, { sub: 'x' }), '--key', empty, '--algorithms', 'ES256']), 2, /latchkey: /);
  });

  it('refuses a key "file" that is no regular file or is over 1 MiB, without reading it', async () => {
    const started = performance.now();
    expectCleanFailure(await latchkey(['inspect', token({}, { sub: 'x' }), '--key', '/dev/zero']), 2, /"\/dev\/zero" is not a regular file/);
    const huge = await file('huge.json', ' '.repeat(1024 * 1024 + 1));
    expectCleanFailure(await latchkey(['keys', 'jwks', huge]), 2, /is larger than 1 MiB/);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe('latchkey keys jwks: only public members are printed', () => {
  it('keeps the public members of each key type and drops any other, a private member of an unknown kind included', async () => {
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'k', alg: 'ES256', use: 'sig', vendor_secret: 'VENDOR-SECRET' };
    const result = await latchkey(['keys', 'jwks', await file('ec.jwk.json', jwk)]);
    expect(result.code, result.stderr).toBe(0);
    const [published] = (JSON.parse(result.stdout) as { keys: Record<string, unknown>[] }).keys;
    expect(Object.keys(published!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(result.stdout).not.toContain('VENDOR-SECRET');
  });

  it('refuses a key type it cannot vouch for (ML-DSA "AKP" with its "priv") and malformed keys, exit 2 without a stack', async () => {
    const akp = await file('akp.json', { kty: 'AKP', alg: 'ML-DSA-44', pub: 'cHVibGlj', priv: 'UFJJVkFURV9TRUVEX1NFQ1JFVA' });
    const refused = await latchkey(['keys', 'jwks', akp]);
    expectCleanFailure(refused, 2, /unsupported key type "AKP"/);
    expect(refused.stdout + refused.stderr).not.toContain('UFJJVkFURV9TRUVEX1NFQ1JFVA');
    expectCleanFailure(await latchkey(['keys', 'jwks', await file('bad-ec.json', { kty: 'EC', crv: 'P-256', d: 'X' })]), 2, /not a usable EC key/);
    expectCleanFailure(await latchkey(['keys', 'jwks', await file('null-entry.json', { keys: [null] })]), 2, /key #0: a key must be a JWK object/);
  });
});

describe('latchkey keys rotate: the ring stays what the issuer accepts', () => {
  it('keeps the mode of a ring holding an inline private key (0600 stays 0600)', async () => {
    const ringDir = await mkdtemp(join(dir, 'ring-'));
    const ring = join(ringDir, 'keyring.json');
    const { privateKey: edKey } = generateKeyPairSync('ed25519');
    const jwk = { ...edKey.export({ format: 'jwk' }), alg: 'EdDSA' };
    await writeFile(ring, JSON.stringify({ keys: [{ alg: 'EdDSA', jwk, activateAt: '2026-01-01T00:00:00Z' }] }));
    await chmod(ring, 0o600);
    const result = await latchkey(['keys', 'rotate', '--ring', ring, '--now', '2026-12-01T00:00:00Z']);
    expect(result.code, result.stderr).toBe(0);
    expect((await stat(ring)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(ring, 'utf8')).keys).toHaveLength(2);
  });

  it('refuses, exit 2 without a stack, a ring the issuer would refuse: a non-string alg, an unknown member, a missing key file', async () => {
    const cases: [unknown, RegExp][] = [
      [{ keys: [{ alg: 5, file: 'x.jwk.json', activateAt: '2026-01-01T00:00:00Z' }] }, /key ring keys\[0\]/],
      [{ keys: [], retireMarginSecond: 5 }, /unknown option "retireMarginSecond".*did you mean "retireMarginSeconds"/],
      [{ keys: [{ alg: 'EdDSA', file: 'missing.jwk.json', activateAt: '2026-01-01T00:00:00Z' }] }, /missing\.jwk\.json/],
    ];
    for (const [index, [ring, message]] of cases.entries()) {
      const path = await file(`bad-ring-${index}.json`, ring);
      const before = await readFile(path, 'utf8');
      expectCleanFailure(await latchkey(['keys', 'rotate', '--ring', path, '--alg', 'EdDSA']), 2, message);
      expect(await readFile(path, 'utf8')).toBe(before);
    }
  });

  it('takes --now only as an ISO 8601 time with a zone', async () => {
    const ring = await file('now-ring.json', { keys: [] });
    for (const now of ['1', '2026-12-01', '2026-12-01T00:00:00'])
      expectCleanFailure(await latchkey(['keys', 'rotate', '--ring', ring, '--now', now]), 2, /--now must be an ISO 8601 time with a zone/);
  });
});

describe('latchkey config check: every unknown option is reported', () => {
  it('goes on past an unknown option whose name needs escaping (a quote, a backslash)', async () => {
    const config = await file('quoted.json', {
      'a"b': 1,
      'c\\d': 2,
      audiance: 'x',
      keys: { jwks: 'https://idp.example/jwks' },
      algorithms: ['RS256'],
      issuer: 'https://idp.example/',
    });
    const result = await latchkey(['config', 'check', config]);
    expect(result.code).toBe(1);
    for (const name of ['"a\\"b"', '"c\\\\d"', '"audiance"']) expect(result.stdout + result.stderr).toContain(`unknown option ${name}`);
  });
});
