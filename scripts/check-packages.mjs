#!/usr/bin/env node
// Packaging checks on what users actually install: every public package is packed, then
//  1. publint (strict) checks the tarball's package.json, exports and files;
//  2. attw checks its types resolve for ESM consumers (ESM-only packages: the esm-only profile);
//  3. the tarballs are installed together into an empty project with npm and imported from plain Node.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const packDir = join(root, '.pack');
rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir);

const run = (command, args, cwd = root) => {
  console.log(`$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd, stdio: 'inherit' });
};

const packages = readdirSync(join(root, 'packages'))
  .map((name) => ({ dir: join(root, 'packages', name), manifest: JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

const tarballs = [];
for (const { dir, manifest } of packages) {
  const before = new Set(readdirSync(packDir));
  run('pnpm', ['pack', '--pack-destination', packDir], dir);
  const tarball = readdirSync(packDir).find((file) => !before.has(file));
  if (!tarball) throw new Error(`no tarball for ${manifest.name}`);
  const path = join(packDir, tarball);
  tarballs.push({ name: manifest.name, path });
  run('pnpm', ['exec', 'publint', 'run', path, '--strict']);
  run('pnpm', ['exec', 'attw', path, '--profile', 'esm-only']);
}

// Pack-and-import: install the tarballs (and their real dependencies) into an empty project.
const consumer = mkdtempSync(join(tmpdir(), 'latchkey-consumer-'));
try {
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map((t) => t.path)], consumer);
  const script = tarballs
    .map((t, i) => `import * as p${i} from '${t.name}';\nif (Object.keys(p${i}).length === 0) throw new Error('${t.name} exports nothing');`)
    .join('\n') +
    `\nimport { createVerifier, hmacSecrets } from '@latchkey/core';\n` +
    `import { createRequestAuthenticator } from '@latchkey/core/adapter';\n` +
    `if (typeof createRequestAuthenticator !== 'function') throw new Error('@latchkey/core/adapter exports no createRequestAuthenticator');\n` +
    `const v = createVerifier({ keys: hmacSecrets('x'.repeat(32)), algorithms: ['HS256'], issuer: 'i', audience: 'a' });\n` +
    `await v.verify('a.b.c').then(() => { throw new Error('accepted garbage'); }, (e) => { if (e.code !== 'ERR_JWT_MALFORMED') throw e; });\n` +
    `console.log('imported ${tarballs.length} packages from their tarballs');\n`;
  writeFileSync(join(consumer, 'check.mjs'), script);
  run('node', ['check.mjs'], consumer);
} finally {
  rmSync(consumer, { recursive: true, force: true });
}
