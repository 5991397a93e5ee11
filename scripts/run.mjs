#!/usr/bin/env node
// The two commands of the README, runnable on a machine with only Node and npm:
//   npm start  -> node scripts/run.mjs demo   (install, build, start the demo)
//   npm test   -> node scripts/run.mjs check  (install, build, typecheck, lint, format, tests, examples, packaging)
// It installs pnpm (the version pinned in package.json's "packageManager") with npm when it is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.replace(/^pnpm@/, '');

function works(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'pipe', encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Finds pnpm at the pinned version, or installs it: globally when allowed, else inside the repo. */
function ensurePnpm() {
  const local = join(root, '.cache', 'pnpm', 'node_modules', '.bin', 'pnpm');
  if (works('pnpm', ['--version']) === pinned) return 'pnpm';
  if (existsSync(local) && works(local, ['--version']) === pinned) return local;
  console.log(`> installing pnpm ${pinned} with npm`);
  if (
    spawnSync('npm', ['install', '--global', '--no-fund', '--no-audit', `pnpm@${pinned}`], { cwd: root, stdio: 'inherit' }).status === 0 &&
    works('pnpm', ['--version']) === pinned
  )
    return 'pnpm';
  // No permission for a global install: keep pnpm inside the repo (ignored by git).
  execFileSync('npm', ['install', '--no-save', '--no-fund', '--no-audit', '--prefix', join(root, '.cache', 'pnpm'), `pnpm@${pinned}`], {
    cwd: root,
    stdio: 'inherit',
  });
  return local;
}

/**
 * The browser tests drive Debian's Chromium (and examples/production needs nginx); nothing downloads a
 * browser. On a machine where we are root (CI) the missing packages are installed with apt; elsewhere the
 * tests say what to install.
 */
function ensureSystemPackages() {
  const missing = [
    ['chromium', '/usr/bin/chromium'],
    ['nginx', '/usr/sbin/nginx'],
  ]
    .filter(([, path]) => !existsSync(path))
    .map(([name]) => name);
  if (missing.length === 0 || process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return;
  console.log(`> installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

/**
 * The instruction-count check (bench/src/instructions) runs under valgrind's callgrind. As for redis-server,
 * a machine where we are root (CI) installs the Debian package; elsewhere the check reports itself SKIPPED.
 */
function ensureValgrind() {
  if (works('valgrind', ['--version']) !== undefined) return;
  if (process.getuid?.() !== 0 || works('apt-get', ['--version']) === undefined) return;
  console.log('> installing valgrind with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'valgrind']]) {
    if (spawnSync('apt-get', args, { stdio: 'inherit', env }).status !== 0) process.exit(1);
  }
}

function step(pnpm, title, args) {
  console.log(`\n> ${title}: pnpm ${args.join(' ')}`);
  const result = spawnSync(pnpm, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    console.error(`\n✗ ${title} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

/**
 * The @latchkey/redis tests run a real redis-server (and redis-cli). On a clean Debian/Ubuntu machine
 * running as root (CI) it is installed from the distribution; otherwise a missing one is reported.
 */
function ensureRedisServer() {
  if (works('redis-server', ['--version']) !== undefined) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || works('apt-get', ['--version']) === undefined) {
    console.error('\n✗ redis-server is missing: install the Debian package redis-server (apt-get install -y redis-server)');
    process.exit(1);
  }
  console.log('> installing redis-server with apt-get');
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'redis-server']]) {
    if (spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status !== 0) process.exit(1);
  }
}

const task = process.argv[2];
if (task !== 'check' && task !== 'demo') {
  console.error('usage: node scripts/run.mjs check|demo');
  process.exit(2);
}
const pnpm = ensurePnpm();
step(pnpm, 'install', ['install', '--frozen-lockfile']);
step(pnpm, 'build', ['run', 'build']);
if (task === 'demo') {
  step(pnpm, 'demo', ['--filter', '@latchkey/example-demo', 'run', 'start']);
} else {
  ensureSystemPackages();
  ensureRedisServer();
  ensureValgrind();
  step(pnpm, 'typecheck', ['run', 'typecheck']);
  step(pnpm, 'lint', ['run', 'lint']);
  step(pnpm, 'format (prettier --check)', ['run', 'format:check']);
  // Each vitest run also writes a JSON report, so the closing line can count every test that ran.
  const reports = join(root, '.cache', 'test-results');
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(reports, { recursive: true });
  const json = (name) => ['--reporter=default', '--reporter=json', `--outputFile.json=${join(reports, `${name}.json`)}`];
  step(pnpm, 'tests', ['exec', 'vitest', 'run', ...json('packages')]);
  for (const example of readdirSync(join(root, 'examples'))) {
    const manifest = join(root, 'examples', example, 'package.json');
    if (!existsSync(manifest) || !JSON.parse(readFileSync(manifest, 'utf8')).scripts?.['test:example']) continue;
    step(pnpm, `example ${example}`, ['--filter', `./examples/${example}`, 'exec', 'vitest', 'run', ...json(`example-${example}`)]);
  }
  step(pnpm, 'packaging (publint, attw, pack-and-import)', ['run', 'pack:check']);
  // Instructions per verification above the node:crypto floor, against bench/instructions-baseline.json.
  step(pnpm, 'instruction counts (callgrind)', ['--filter', '@latchkey/bench', 'run', 'instructions', '--check']);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of readdirSync(reports)) {
    const report = JSON.parse(readFileSync(join(reports, file), 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  }
  console.log('\n✓ every check passed: build, typecheck, lint, format, tests, examples, packaging');
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
}
