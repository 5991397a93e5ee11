import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMockIdp, DEFAULT_AUDIENCE, type MockIdp } from '@latchkey/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real built binary, spawned: what a user runs (the pack check runs it again from the tarball).
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = promisify(execFile);

async function latchkey(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

let idp: MockIdp;
let dir: string;
beforeAll(async () => {
  idp = await createMockIdp({ algorithms: ['ES256'] });
  dir = await mkdtemp(join(tmpdir(), 'latchkey-cli-'));
});
afterAll(async () => {
  await idp.close();
  await rm(dir, { recursive: true, force: true });
});

const verdictOf = (stdout: string, check: string): string | undefined => new RegExp(`^  ${check} +(.+)$`, 'm').exec(stdout)?.[1];

describe('latchkey inspect against the mock IdP', () => {
  it('passes a good token: exit 0, every configured check passes, the token is not echoed whole', async () => {
    const token = await idp.sign({ scope: 'read write' });
    const { code, stdout } = await latchkey('inspect', token, '--issuer', idp.issuer, '--audience', DEFAULT_AUDIENCE, '--scope', 'read');
    expect(code).toBe(0);
    for (const check of ['alg', 'key', 'signature', 'iss', 'aud', 'exp', 'scope']) expect(verdictOf(stdout, check)).toBe('pass');
    expect(stdout).toContain('VALID');
    expect(stdout).not.toContain(token);
  });

  it.each([
    ['aud', ['--audience', 'https://other.test'], {}, 'ERR_JWT_CLAIM_INVALID', 'got "https://api.example.test"'],
    ['iss', ['--issuer', 'https://elsewhere.test', '--jwks', 'JWKS'], {}, 'ERR_JWT_ISSUER_NOT_ALLOWED', 'expected "https://elsewhere.test"'],
    ['exp', [], { exp: Math.floor(Date.now() / 1000) - 3600 }, 'ERR_JWT_EXPIRED', 'ago'],
    ['nbf', [], { nbf: Math.floor(Date.now() / 1000) + 3600 }, 'ERR_JWT_NOT_YET_VALID', 'in 60 min'],
    ['iat', [], { iat: Math.floor(Date.now() / 1000) + 3600 }, 'ERR_JWT_NOT_YET_VALID', 'in 60 min'],
    ['scope', ['--scope', 'admin'], {}, 'ERR_SCOPE_INSUFFICIENT', 'got scope "read"'],
    ['alg', ['--algorithms', 'RS256'], {}, 'ERR_JWS_ALG_NOT_ALLOWED', 'expected one of RS256, got "ES256"'],
    ['typ', ['--typ', 'at+jwt'], {}, 'ERR_JWS_HEADER_INVALID', 'expected ["at+jwt"], got "JWT"'],
  ])('fails on %s with exit 1, the core code and expected vs got', async (check, extra, claims, codeName, words) => {
    const token = await idp.sign({ scope: 'read', ...claims });
    const args = extra.map((arg) => (arg === 'JWKS' ? idp.jwksUri : arg));
    const base = args.includes('--issuer') ? [] : ['--issuer', idp.issuer];
    const { code, stdout } = await latchkey('inspect', token, ...base, ...args);
    expect(code).toBe(1);
    expect(verdictOf(stdout, check)).toBe('fail');
    expect(stdout).toContain(`INVALID (${codeName})`);
    expect(stdout).toContain(words);
  });

  it('fails on key (kid not published) and on signature (tampered payload)', async () => {
    const unknown = await idp.sign({}, { header: { kid: 'not-published' } } as never);
    const noKey = await latchkey('inspect', unknown, '--jwks', idp.jwksUri);
    expect(noKey.code).toBe(1);
    expect(verdictOf(noKey.stdout, 'key')).toBe('fail');
    const [h, , s] = (await idp.sign()).split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin', exp: 9_999_999_999 })).toString('base64url')}.${s}`;
    const badSig = await latchkey('inspect', forged, '--jwks', idp.jwksUri);
    expect(badSig.code).toBe(1);
    expect(verdictOf(badSig.stdout, 'signature')).toBe('fail');
    expect(verdictOf(badSig.stdout, 'key')).toBe('pass');
  });

  it('--json carries the verdicts and the server-only detail', async () => {
    const token = await idp.sign();
    const { code, stdout } = await latchkey('inspect', token, '--issuer', idp.issuer, '--audience', 'https://other.test', '--json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { valid: boolean; failure: { check: string; code: string; detail?: string }; token: string };
    expect(report.valid).toBe(false);
    expect(report.failure).toMatchObject({ check: 'aud', code: 'ERR_JWT_CLAIM_INVALID' });
    expect(report.token).not.toBe(token);
  });

  it('exits 2 on usage errors: no key source, unknown option, not a token, unknown command', async () => {
    expect((await latchkey('inspect', 'a.b.c')).code).toBe(2);
    expect((await latchkey('inspect', await idp.sign(), '--jwks', idp.jwksUri, '--audiance', 'x')).code).toBe(2);
    expect((await latchkey('inspect', 'not-a-token', '--jwks', idp.jwksUri)).code).toBe(2);
    expect((await latchkey('frobnicate')).code).toBe(2);
  });

  it('has --help with examples on every command', async () => {
    for (const args of [['--help'], ['inspect', '--help'], ['keys', '--help'], ['keys', 'generate', '--help'], ['keys', 'jwks', '--help']]) {
      const { code, stdout } = await latchkey(...args);
      expect(code).toBe(0);
      expect(stdout).toContain('Examples:');
    }
  });
});

describe('latchkey keys', () => {
  it.each(['EdDSA', 'ES256', 'RS256', 'PS256'])(
    'generate --alg %s writes a 0600 private key, prints only the public JWK; jwks publishes it and inspect verifies with it',
    async (alg) => {
      const out = join(dir, `${alg}.jwk.json`);
      const { code, stdout } = await latchkey('keys', 'generate', '--alg', alg, '--out', out);
      expect(code).toBe(0);
      const pub = JSON.parse(stdout) as Record<string, unknown>;
      expect(pub).not.toHaveProperty('d');
      expect(pub['alg']).toBe(alg);
      expect((await stat(out)).mode & 0o777).toBe(0o600);
      const priv = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
      expect(priv['kid']).toBe(pub['kid']);
      const set = await latchkey('keys', 'jwks', out);
      expect(set.code).toBe(0);
      expect(set.stdout).not.toContain('"d"');
      expect(JSON.parse(set.stdout)).toEqual({ keys: [pub] });
    },
  );

  it('refuses to print a private key: --out is required, and an existing file is not overwritten', async () => {
    const missing = await latchkey('keys', 'generate', '--alg', 'EdDSA');
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    const out = join(dir, 'once.pem');
    expect((await latchkey('keys', 'generate', '--alg', 'ES256', '--format', 'pem', '--out', out)).code).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect((await latchkey('keys', 'generate', '--alg', 'ES256', '--out', out)).code).toBe(2);
    const fromPem = await latchkey('keys', 'jwks', out);
    expect(fromPem.code).toBe(0);
    expect(fromPem.stdout).not.toContain('PRIVATE');
  });
});
