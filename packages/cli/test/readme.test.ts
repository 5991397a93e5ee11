import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMockIdp, DEFAULT_AUDIENCE } from '@latchkey/testing';
import { expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = promisify(execFile);

// What changes between runs: ports, kids, times, jti, the token's ends.
function stable(text: string): string {
  return text
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
    .replace(/"kid":"[^"]+"/g, '"kid":"KID"')
    .replace(/^( {2}(?:iat|exp|nbf)): .*$/gm, '$1: TIME')
    .replace(/^( {2}jti): .*$/gm, '$1: JTI')
    .replace(/^Token \S+/gm, 'Token TOKEN')
    .trim();
}

it('the README session is what the binary prints', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const printed = /```console\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const idp = await createMockIdp({ algorithms: ['ES256'] });
  try {
    const token = await idp.sign({ scope: 'read' });
    let session = '';
    for (const audience of ['https://other.test', DEFAULT_AUDIENCE]) {
      const args = ['inspect', token, '--issuer', idp.issuer, '--audience', audience];
      const result = await run(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } }).then(
        ({ stdout }) => ({ stdout, code: 0 }),
        (error: { stdout: string; code: number }) => error,
      );
      session += `$ latchkey ${args.map((arg) => (arg === token ? '"$TOKEN"' : arg)).join(' ')}\n${result.stdout}$ echo $?\n${result.code}\n\n`;
    }
    expect(stable(printed)).toBe(stable(session));
  } finally {
    await idp.close();
  }
});
