#!/usr/bin/env node
// Packaging checks on what users actually install. Every public package (a directory under packages/
// whose package.json is not "private") is found here by itself; then
//  1. its package.json follows the metadata rule;
//  2. it is packed, and the tarball's files are checked: LICENSE, README links, source maps;
//  3. publint (strict) checks the tarball's package.json, exports and files;
//  4. attw checks its types resolve for ESM consumers (ESM-only packages: the esm-only profile);
//  5. the tarballs are installed together into an empty project with npm, imported from an ES module,
//     and required from a CommonJS file (require(esm)), where a Fastify and an Express app run on them;
//  6. there, the @latchkey/testing README's recipes are compiled (strict) and run with vitest, as a user would.
//
// The rules themselves, and why, are in scripts/package-rules.mjs (pinned by scripts/test/).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recipeDevDependencies, writeRecipes } from './consumer/readme-recipes.mjs';
import { manifestProblems, publicPackages, tarballProblems } from './package-rules.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const packDir = join(root, '.pack');
const license = readFileSync(join(root, 'LICENSE'), 'utf8');

const run = (command, args, cwd = root) => {
  console.log(`$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd, stdio: 'inherit' });
};

/** Throws one error listing every problem, so a new package learns the whole rule at once. */
function report(what, problems) {
  if (problems.length > 0) throw new Error(`${what}:\n  - ${problems.join('\n  - ')}`);
}

function checkManifest(dir, manifest) {
  const file = join(root, 'packages', dir, 'LICENSE');
  const packageLicense = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  report(`${manifest.name} (packages/${dir}/package.json) breaks the metadata rule`, manifestProblems(dir, manifest, { license, packageLicense }));
}

const filesUnder = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));

function checkTarball(name, tarball) {
  const unpacked = mkdtempSync(join(tmpdir(), 'latchkey-unpacked-'));
  try {
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
    const dir = join(unpacked, 'package');
    const files = filesUnder(dir);
    report(
      `${name}: the tarball ${tarball}`,
      tarballProblems(files, (file) => readFileSync(join(dir, file), 'utf8'), license),
    );
    console.log(`✓ ${name}: ${files.length} files; LICENSE, absolute README links, source maps with their sources`);
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
}

const packages = publicPackages(root);
if (packages.length === 0) throw new Error('no public packages found under packages/');

for (const { dir, manifest } of packages) checkManifest(dir, manifest);

rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir);
const tarballs = [];
for (const { dir, manifest } of packages) {
  const before = new Set(readdirSync(packDir));
  run('pnpm', ['pack', '--pack-destination', packDir], join(root, 'packages', dir));
  const tarball = readdirSync(packDir).find((file) => !before.has(file));
  if (!tarball) throw new Error(`no tarball for ${manifest.name}`);
  const path = join(packDir, tarball);
  tarballs.push({ name: manifest.name, path });
  checkTarball(manifest.name, path);
  run('pnpm', ['exec', 'publint', 'run', path, '--strict']);
  // esm-only: attw models Node before require(esm) and would flag every require(); check.cjs below
  // requires the installed tarballs for real instead.
  run('pnpm', ['exec', 'attw', path, '--profile', 'esm-only']);
}

// Pack-and-import: install the tarballs (and their real dependencies, peers included) into an empty
// project, with what the testing kit's recipes need (vitest, typescript, framework types).
const consumer = mkdtempSync(join(tmpdir(), 'latchkey-consumer-'));
try {
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map((t) => t.path), ...recipeDevDependencies(root)], consumer);
  const names = JSON.stringify(tarballs.map((t) => t.name));
  writeFileSync(join(consumer, 'check.mjs'), readFileSync(join(root, 'scripts', 'consumer', 'check.mjs'), 'utf8'));
  writeFileSync(join(consumer, 'check.cjs'), readFileSync(join(root, 'scripts', 'consumer', 'check.cjs'), 'utf8'));
  run('node', ['check.mjs', names], consumer);
  run('node', ['check.cjs', names], consumer);
  // The latchkey bin, as installed from its tarball: help, a real inspect against the mock IdP, keys rotate, config check.
  run('npx', ['--no-install', 'latchkey', '--help'], consumer);
  writeFileSync(join(consumer, 'check-bin.mjs'), readFileSync(join(root, 'scripts', 'consumer', 'check-bin.mjs'), 'utf8'));
  run('node', ['check-bin.mjs'], consumer);
  console.log('✓ npx latchkey --help, inspect, keys rotate and config check run from the installed @latchkey/cli tarball');
  const recipes = writeRecipes(consumer);
  run('node', [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'recipes'], consumer);
  run('node', [join('node_modules', 'vitest', 'vitest.mjs'), 'run', '--dir', 'recipes'], consumer);
  console.log(`✓ the @latchkey/testing README recipes (${recipes.join(', ')}) type-check and pass against the tarballs`);
} finally {
  rmSync(consumer, { recursive: true, force: true });
}
