/**
 * `latchkey keys rotate`, run as the built binary: creates the first key, adds a next key after the overlap
 * and gives the active one its retire time, adds nothing while a next key is pending, drops retired keys;
 * private keys only in new 0600 files, only public data printed; the ring it writes is what the issuer loads.
 */
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIssuer, keyRingFromFile, type KeyRingDocument } from '@latchkey/issuer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latchkey } from './latchkey.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-rotate-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ringOf = async (): Promise<KeyRingDocument> => JSON.parse(await readFile(join(dir, 'keyring.json'), 'utf8')) as KeyRingDocument;
const users = { authenticate: () => undefined, getUser: () => undefined };

describe('latchkey keys rotate', () => {
  it("walks the ring: first key, next key with the active one's retire time, nothing while pending, retired keys dropped", async () => {
    const ring = join(dir, 'keyring.json');
    const first = await latchkey(['keys', 'rotate', '--ring', ring, '--now', '2026-12-01T00:00:00Z', '--json']);
    expect(first.code).toBe(0);
    const created = JSON.parse(first.stdout) as { keys: Array<{ kid: string; state: string }> };
    expect(created.keys).toMatchObject([{ state: 'active', activateAt: '2026-12-01T00:00:00.000Z' }]);

    const second = await latchkey([
      'keys',
      'rotate',
      '--ring',
      ring,
      '--now',
      '2026-12-01T00:00:00Z',
      '--overlap',
      '2h',
      '--max-token-lifetime',
      '1d',
      '--json',
    ]);
    expect(second.code).toBe(0);
    expect((JSON.parse(second.stdout) as { keys: unknown[] }).keys).toMatchObject([
      { state: 'active', retireAt: '2026-12-02T02:01:00.000Z' },
      { state: 'next', activateAt: '2026-12-01T02:00:00.000Z' },
    ]);

    const pending = await latchkey(['keys', 'rotate', '--ring', ring, '--now', '2026-12-01T01:00:00Z']);
    expect(pending.stdout).toMatch(/already published and activates at 2026-12-01T02:00:00.000Z; nothing added/);
    expect((await ringOf()).keys).toHaveLength(2);

    // Two days later: the first key has retired (dropped), the second is active, a new next key is added.
    const later = await latchkey(['keys', 'rotate', '--ring', ring, '--now', '2026-12-03T00:00:00Z', '--json']);
    const after = JSON.parse(later.stdout) as { notes: string[]; keys: Array<{ kid: string; state: string }> };
    expect(after.notes[0]).toMatch(new RegExp(`^dropped ${created.keys[0]!.kid} \\(retired\\)`));
    expect(after.keys.map((key) => key.state)).toEqual(['active', 'next']);

    // Private material: one 0600 file per key ever made, never printed.
    const files = (await readdir(dir)).filter((name) => name.endsWith('.jwk.json'));
    expect(files).toHaveLength(3);
    for (const file of files) {
      expect((await stat(join(dir, file))).mode & 0o777).toBe(0o600);
      const { d } = JSON.parse(await readFile(join(dir, file), 'utf8')) as { d: string };
      for (const output of [first, second, pending, later]) expect(output.stdout).not.toContain(d);
    }
  });

  it('writes the ring the issuer loads: active and next published, the active one signing', async () => {
    const ring = join(dir, 'keyring.json');
    expect((await latchkey(['keys', 'rotate', '--ring', ring, '--alg', 'ES256'])).code).toBe(0);
    expect((await latchkey(['keys', 'rotate', '--ring', ring, '--overlap', '10m'])).code).toBe(0);
    const issuer = createIssuer({ users, keyRing: keyRingFromFile(ring) });
    const { keys } = await ringOf();
    expect(issuer.keyStates()).toMatchObject([
      { kid: keys[0]!.kid, state: 'active', alg: 'ES256' },
      { kid: keys[1]!.kid, state: 'next' },
    ]);
    expect(issuer.jwks().keys.map((key) => key.kid)).toEqual([keys[0]!.kid, keys[1]!.kid]);
  });

  it('rotates HMAC secrets into 0600 oct JWK files, without kids or secrets in the output', async () => {
    const ring = join(dir, 'keyring.json');
    const made = await latchkey(['keys', 'rotate', '--ring', ring, '--alg', 'HS256']);
    expect(made.code).toBe(0);
    const [entry] = (await ringOf()).keys;
    const secret = JSON.parse(await readFile(join(dir, entry!.file!), 'utf8')) as { kty: string; k: string };
    expect(secret.kty).toBe('oct');
    expect(Buffer.from(secret.k, 'base64url')).toHaveLength(64);
    expect(made.stdout).not.toContain(secret.k);
    expect(createIssuer({ users, keyRing: keyRingFromFile(ring) }).keyStates()).toMatchObject([{ alg: 'HS256', state: 'active' }]);
    // A ring is HMAC or asymmetric, never both.
    expect((await latchkey(['keys', 'rotate', '--ring', ring, '--alg', 'EdDSA'])).code).toBe(2);
  });

  it('exits 2 on usage errors: no --ring, an overlap shorter than the JWKS max-age, a bad duration, an unknown option', async () => {
    const ring = join(dir, 'keyring.json');
    expect((await latchkey(['keys', 'rotate'])).code).toBe(2);
    const short = await latchkey(['keys', 'rotate', '--ring', ring, '--overlap', '60s', '--jwks-max-age', '300']);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/--overlap \(60 s\) must be at least --jwks-max-age \(300 s\)/);
    expect((await latchkey(['keys', 'rotate', '--ring', ring, '--overlap', 'soon'])).code).toBe(2);
    expect((await latchkey(['keys', 'rotate', '--ring', ring, '--overlapp', '1h'])).code).toBe(2);
    await expect(stat(ring)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
