// Run in the scratch consumer project: `npx latchkey inspect` from the installed tarball verifies a
// token from the mock IdP (exit 0) and refuses it for another audience (exit 1).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createMockIdp, DEFAULT_AUDIENCE } from '@latchkey/testing';

const run = promisify(execFile);
const idp = await createMockIdp({ algorithms: ['ES256'] });
try {
  const token = await idp.sign();
  const pass = await run('npx', ['--no-install', 'latchkey', 'inspect', token, '--issuer', idp.issuer, '--audience', DEFAULT_AUDIENCE]);
  if (!pass.stdout.includes('VALID')) throw new Error(`inspect did not pass:\n${pass.stdout}`);
  const fail = await run('npx', ['--no-install', 'latchkey', 'inspect', token, '--issuer', idp.issuer, '--audience', 'https://other.test']).then(
    () => { throw new Error('inspect passed a token for another audience'); },
    (error) => error,
  );
  if (fail.code !== 1 || !fail.stdout.includes('ERR_JWT_CLAIM_INVALID')) throw new Error(`inspect did not fail on aud:\n${fail.stdout}`);
} finally {
  await idp.close();
}
