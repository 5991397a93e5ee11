// `pnpm bench --instructions` / `node bench/src/instructions/run.mjs [--check] [--update] [--json FILE]`
//
// Instructions per verification above the node:crypto floor, per algorithm, counted by valgrind's callgrind
// (the count does not move with the machine's load, unlike time). One baseline run verifies every
// algorithm's tokens with the floor; one run per algorithm swaps that algorithm's loop for Latchkey's
// (worker.mjs): the difference, divided by the tokens measured, is Latchkey's cost above the floor.
//
// --check compares against bench/instructions-baseline.json and fails on a regression beyond its margin.
// Without valgrind the check is SKIPPED, and says so; under CI (CI set) a missing valgrind fails instead.
import { execFileSync, spawn } from 'node:child_process';
import { constants, createHmac, generateKeyPairSync, randomBytes, createSecretKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const BASELINE = join(here, '..', '..', 'instructions-baseline.json');
const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'];
const ISSUER = 'https://idp.latchkey.test/';
const AUDIENCE = 'https://api.latchkey.test';
// Enough warm-up for V8 to optimise both loops; enough measured tokens that one-off costs vanish.
const WARMUP = Number(process.env.LATCHKEY_INSTRUCTIONS_WARMUP ?? 1500);
const MEASURED = Number(process.env.LATCHKEY_INSTRUCTIONS_MEASURED ?? 500);

const { values } = parseArgs({
  options: { check: { type: 'boolean', default: false }, update: { type: 'boolean', default: false }, json: { type: 'string' } },
});

function hasValgrind() {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (!hasValgrind()) {
  const message = 'instruction count SKIPPED: valgrind is not installed (apt-get install valgrind)';
  if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0') {
    console.error(`${message}; CI is set, so this is a failure`);
    process.exit(1);
  }
  console.error(message);
  process.exit(0);
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

function keysFor(alg) {
  if (alg === 'HS256') {
    const secret = randomBytes(32);
    return { signKey: createSecretKey(secret), entry: { secret: secret.toString('base64') } };
  }
  const pair =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { signKey: pair.privateKey, entry: { pem: pair.publicKey.export({ type: 'spki', format: 'pem' }) } };
}

function signatureOf(alg, key, input) {
  switch (alg) {
    case 'RS256': return sign('sha256', input, key);
    case 'PS256': return sign('sha256', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
    case 'ES256': return sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA': return sign(null, input, key);
    default: return createHmac('sha256', key).update(input).digest();
  }
}

// The tokens of the in-process bench (bench/src/common/fixture.ts): header alg/typ/kid; iss, aud, sub, iat, exp, jti.
function fixture() {
  const now = Math.floor(Date.now() / 1000);
  const algs = {};
  for (const alg of ALGS) {
    const { signKey, entry } = keysFor(alg);
    const kid = `bench-${alg.toLowerCase()}`;
    const tokens = [];
    for (let index = 0; index < WARMUP + MEASURED; index++) {
      const claims = { iss: ISSUER, aud: AUDIENCE, sub: `user-${index}`, iat: now, exp: now + 3600, jti: `t${index}` };
      const input = `${b64({ alg, typ: 'JWT', kid })}.${b64(claims)}`;
      tokens.push(`${input}.${signatureOf(alg, signKey, Buffer.from(input)).toString('base64url')}`);
    }
    algs[alg] = { ...entry, kid, tokens };
  }
  return { issuer: ISSUER, audience: AUDIENCE, warmup: WARMUP, measured: MEASURED, algs };
}

function callgrind(fixturePath, latchkeyAlg, outDir) {
  return new Promise((resolve, reject) => {
    // --single-threaded: no concurrent compiler or GC threads, so the JIT does the same work in every run.
    const args = ['--tool=callgrind', `--callgrind-out-file=${join(outDir, `cg.${latchkeyAlg}.out`)}`, process.execPath, '--single-threaded', join(here, 'worker.mjs'), fixturePath, latchkeyAlg];
    const child = spawn('valgrind', args, { cwd: join(here, '..', '..'), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const match = /Collected : (\d+)/.exec(stderr);
      if (code !== 0 || match === null) reject(new Error(`callgrind run for ${latchkeyAlg} failed (exit ${code}):\n${stderr.slice(-2000)}`));
      else resolve(Number(match[1]));
    });
  });
}

async function measure() {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-instructions-'));
  try {
    const path = join(dir, 'fixture.json');
    writeFileSync(path, JSON.stringify(fixture()));
    const runs = ['floor', ...ALGS];
    const counts = {};
    const queue = [...runs];
    const lanes = Math.max(1, Math.min(availableParallelism(), 3));
    await Promise.all(Array.from({ length: lanes }, async () => {
      for (let run = queue.shift(); run !== undefined; run = queue.shift()) counts[run] = await callgrind(path, run, dir);
    }));
    const perVerify = {};
    for (const alg of ALGS) perVerify[alg] = Math.round((counts[alg] - counts.floor) / MEASURED);
    return perVerify;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const started = Date.now();
const perVerify = await measure();
const baseline = JSON.parse(readFileSync(BASELINE, 'utf8'));
console.log(`instructions per verification above the node:crypto floor (callgrind, ${MEASURED} distinct tokens, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
console.log('| alg | above floor | baseline | limit |');
console.log('| --- | ---: | ---: | ---: |');
const failures = [];
for (const alg of ALGS) {
  const base = baseline.instructionsAboveFloor[alg];
  const limit = base === undefined ? undefined : Math.round(base * (1 + baseline.marginPercent / 100) + baseline.marginInstructions);
  console.log(`| ${alg} | ${perVerify[alg]} | ${base ?? '-'} | ${limit ?? '-'} |`);
  if (limit !== undefined && perVerify[alg] > limit) failures.push(`${alg}: ${perVerify[alg]} > ${limit}`);
}
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ instructionsAboveFloor: perVerify }, null, 2));
if (values.update) {
  writeFileSync(BASELINE, `${JSON.stringify({ ...baseline, instructionsAboveFloor: perVerify }, null, 2)}\n`);
  console.log(`baseline written: ${BASELINE}`);
}
if (values.check && failures.length > 0) {
  console.error(`instruction regression beyond ${baseline.marginPercent} % + ${baseline.marginInstructions}: ${failures.join('; ')}`);
  process.exit(1);
}
