/**
 * `latchkey config check`, run as the built binary: each verdict start-up would give (unknown option with
 * the suggestion, weak HMAC secret, http URL, missing algorithms, a simplejwt name, a ring retiring a key
 * too early), JSON and ES module files, `--json`, and each exit code (0 accepted, 1 refused, 2 usage).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey } from './latchkey.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function check(name: string, contents: unknown, ...flags: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(dir, name);
  await writeFile(file, typeof contents === 'string' ? contents : JSON.stringify(contents));
  return latchkey(['config', 'check', file, ...flags]);
}

const VERIFIER = {
  keys: { jwks: 'https://idp.example.com/.well-known/jwks.json' },
  algorithms: ['RS256'],
  issuer: 'https://idp.example.com/',
  audience: 'https://api.example.com',
};

describe('latchkey config check', () => {
  it('accepts a sound verifier configuration: exit 0', async () => {
    const { code, stdout } = await check('good.json', VERIFIER);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^OK: start-up would accept this verifier configuration/);
  });

  it.each([
    [
      'an unknown option, with the name meant',
      { ...VERIFIER, clockTolerance: 5 },
      'unknown option "clockTolerance" in createVerifier options; did you mean "clockToleranceSeconds"?',
    ],
    ['a weak HMAC secret', { ...VERIFIER, keys: { hmacSecrets: ['password'] }, algorithms: ['HS256'] }, 'the HMAC secret is 8 bytes; HS256 needs at least 32'],
    ['a plain http JWKS URL', { ...VERIFIER, keys: { jwks: 'http://idp.example.com/jwks' } }, 'uses plain http: to a host that is not loopback'],
    ['missing algorithms', { ...VERIFIER, algorithms: undefined }, '"algorithms" must list the accepted algorithms'],
    ['an asymmetric algorithm for HMAC secrets', { ...VERIFIER, keys: { hmacSecrets: ['s'.repeat(32)] } }, 'RS256'],
  ])("refuses %s: exit 1, in start-up's words", async (_, config, words) => {
    const { code, stdout } = await check('bad.json', config);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^REJECTED: start-up would refuse this verifier configuration/);
    expect(stdout).toContain(words);
  });

  it('reports every unknown option and the next problem together, and never prints the secret', async () => {
    const { code, stdout } = await check('many.json', {
      keys: { hmacSecrets: ['hunter2-hunter2'] },
      algorithm: ['HS256'],
      issuer: null,
      audiance: 'x',
      audience: null,
    });
    expect(code).toBe(1);
    expect(stdout).toContain('did you mean "algorithms"?');
    expect(stdout).toContain('did you mean "audience"?');
    expect(stdout).toContain('HS256 needs at least 32');
    expect(stdout).not.toContain('hunter2');
  });

  it('checks issuer configurations: simplejwt names, weak signing secrets, key rings', async () => {
    const simplejwt = await check('issuer.json', { signingKey: 'short', ROTATE_REFRESH_TOKENS: true });
    expect(simplejwt.code).toBe(1);
    expect(simplejwt.stdout).toContain('did you mean "rotateRefreshTokens"?');
    expect(simplejwt.stdout).toContain('"signingKey" is unusable for HS256');
    const key = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const ring = {
      keys: [
        { alg: 'EdDSA', jwk: key, activateAt: '2026-01-01T00:00:00Z', retireAt: '2026-01-01T00:00:00Z' },
        { alg: 'EdDSA', jwk: generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), activateAt: '2026-01-02T00:00:00Z' },
      ],
    };
    const tooEarly = await check('ring-issuer.json', { keyRing: ring });
    expect(tooEarly.code).toBe(1);
    expect(tooEarly.stdout).toContain('"keyRing.keys[0].retireAt" is too early');
    await writeFile(join(dir, 'keyring.json'), JSON.stringify({ keys: [{ ...ring.keys[0], retireAt: undefined }] }));
    expect((await check('ring-path.json', { keyRing: 'keyring.json', algorithm: 'EdDSA' })).code).toBe(0);
  });

  it('loads an ES module exporting the options, and answers --json', async () => {
    const { code, stdout } = await check('auth.mjs', `export default ${JSON.stringify({ ...VERIFIER, requiredClaim: ['sub'] })};`, '--json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { kind: string; accepted: boolean; findings: Array<{ problem: string }> };
    expect(report).toMatchObject({ kind: 'verifier', accepted: false });
    expect(report.findings[0]!.problem).toContain('did you mean "requiredClaims"?');
  });

  it('exits 2 on usage errors: a missing file, bad JSON, an unknown kind, no file, an unknown subcommand', async () => {
    expect((await latchkey(['config', 'check', join(dir, 'nope.json')])).code).toBe(2);
    expect((await check('broken.json', '{"keys":')).code).toBe(2);
    expect((await check('what.json', { realm: 'api' })).code).toBe(2);
    expect((await latchkey(['config', 'check'])).code).toBe(2);
    expect((await latchkey(['config', 'lint', 'x.json'])).code).toBe(2);
  });
});

describe('output conventions', () => {
  it('has --help with examples on the new commands', async () => {
    for (const args of [
      ['keys', 'rotate', '--help'],
      ['config', '--help'],
      ['config', 'check', '--help'],
    ]) {
      const { code, stdout } = await latchkey(args);
      expect(code).toBe(0);
      expect(stdout).toContain('Examples:');
    }
  });

  it('colours only on a TTY, and not there when NO_COLOR is set', async () => {
    const file = join(dir, 'tty.json');
    await writeFile(file, JSON.stringify(VERIFIER));
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { BIN } = await import('./latchkey.js');
    // script(1) gives the binary a pseudo-terminal as stdout.
    const onTty = async (noColor: string | undefined): Promise<string> => {
      const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: noColor };
      if (noColor === undefined) delete env['NO_COLOR'];
      const { stdout } = await promisify(execFile)('script', ['-qec', `${process.execPath} ${BIN} config check ${file}`, '/dev/null'], { env });
      return stdout;
    };
    expect(await onTty(undefined)).toContain('\u001b[32mOK\u001b[0m');
    expect(await onTty('1')).not.toContain('\u001b[');
    expect((await latchkey(['config', 'check', file], { env: { NO_COLOR: '' } })).stdout).not.toContain('\u001b[');
  });
});
