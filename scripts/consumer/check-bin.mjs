// Run in the scratch consumer project: `npx latchkey inspect` from the installed tarball verifies a
// token from the mock IdP (exit 0) and refuses it for another audience (exit 1); `keys rotate` writes a
// ring the installed issuer loads; `config check` accepts a sound configuration (0) and refuses a bad one (1).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIssuer, keyRingFromFile } from '@latchkey/issuer';
import { promisify } from 'node:util';
import { createMockIdp, DEFAULT_AUDIENCE } from '@latchkey/testing';

const run = promisify(execFile);
const idp = await createMockIdp({ algorithms: ['ES256'] });
try {
  const token = await idp.sign();
  const pass = await run('npx', ['--no-install', 'latchkey', 'inspect', token, '--issuer', idp.issuer, '--audience', DEFAULT_AUDIENCE]);
  if (!pass.stdout.includes('VALID')) throw new Error(`inspect did not pass:\n${pass.stdout}`);
  const fail = await run('npx', ['--no-install', 'latchkey', 'inspect', token, '--issuer', idp.issuer, '--audience', 'https://other.test']).then(
    () => {
      throw new Error('inspect passed a token for another audience');
    },
    (error) => error,
  );
  if (fail.code !== 1 || !fail.stdout.includes('ERR_JWT_CLAIM_INVALID')) throw new Error(`inspect did not fail on aud:\n${fail.stdout}`);
} finally {
  await idp.close();
}

const scratch = mkdtempSync(join(tmpdir(), 'latchkey-bin-'));
try {
  const ring = join(scratch, 'keyring.json');
  await run('npx', ['--no-install', 'latchkey', 'keys', 'rotate', '--ring', ring]);
  const next = await run('npx', ['--no-install', 'latchkey', 'keys', 'rotate', '--ring', ring, '--overlap', '1h']);
  if (!next.stdout.includes('added next key')) throw new Error(`keys rotate added no next key:\n${next.stdout}`);
  const issuer = createIssuer({ users: { authenticate: () => undefined, getUser: () => undefined }, keyRing: keyRingFromFile(ring) });
  const states = issuer
    .keyStates()
    .map((key) => key.state)
    .join(',');
  if (states !== 'active,next') throw new Error(`the rotated ring loads as ${states}`);
  for (const key of issuer.keyStates()) {
    if ((statSync(join(scratch, `${key.kid}.jwk.json`)).mode & 0o777) !== 0o600) throw new Error('a private key file is not 0600');
  }
  const good = join(scratch, 'verifier.json');
  writeFileSync(
    good,
    JSON.stringify({ keys: { jwks: 'https://idp.example.com/jwks' }, algorithms: ['RS256'], issuer: 'https://idp.example.com/', audience: 'api' }),
  );
  await run('npx', ['--no-install', 'latchkey', 'config', 'check', good]);
  const bad = join(scratch, 'bad.json');
  writeFileSync(bad, JSON.stringify({ keys: { jwks: 'http://idp.example.com/jwks' }, algorithm: ['RS256'], issuer: null, audience: null }));
  const refused = await run('npx', ['--no-install', 'latchkey', 'config', 'check', bad]).then(
    () => {
      throw new Error('config check accepted an http JWKS URL');
    },
    (error) => error,
  );
  if (refused.code !== 1 || !refused.stdout.includes('did you mean "algorithms"?')) throw new Error(`config check did not refuse:\n${refused.stdout}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
