// `pnpm bench --instructions` / `node bench/src/instructions/run.mjs [--check] [--update] [--cache-sim] [--steps] [--json FILE]`
//
// Instructions per verification above the node:crypto floor, per algorithm, counted by valgrind's callgrind
// (the count does not move with the machine's load, unlike time). One process (worker.mjs) runs, for each
// algorithm, a floor region and a Latchkey region over the same tokens, several rounds; callgrind counts
// only those regions (see worker.mjs), so start-up and warm-up never enter the figures. The result per
// algorithm is the median over rounds of (Latchkey − floor) / tokens, and, for one repeated token through a
// verifier with default options (token cache on), the median of (loop − empty loop) / iterations.
//
// --check compares against bench/instructions-baseline.json and fails on a regression beyond its margin.
// --cache-sim adds callgrind's simulation of the first-level caches (about 11 times the run time; the
// instruction counts are the same): L1 instruction and data misses per verification above the floor. A
// miss costs several instructions' time, so this tells whether Latchkey's timed cost differs by
// algorithm because the floor's crypto evicts what Latchkey's part needs.
// --steps adds a third process (steps-worker.mjs) that counts each step of a verification alone (steps.mjs).
// Without valgrind the check is SKIPPED, and says so; under CI (CI set) a missing valgrind fails instead.
import { execFileSync, spawn } from 'node:child_process';
import { constants, createHmac, generateKeyPairSync, randomBytes, createSecretKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../common/order-statistics.mjs';
import { countsOf, l1MissesOf } from './counts.mjs';
import { STEP_DESCRIPTIONS, breakdownOf, stepRounds } from './steps.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BASELINE = join(here, '..', '..', 'instructions-baseline.json');
const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'];
const ISSUER = 'https://idp.latchkey.test/';
const AUDIENCE = 'https://api.latchkey.test';
// Warm-up (see worker.mjs): WARMUP_PASSES passes of WARMUP tokens per contender, a collection, then
// REWARM more verifications each; rounds × tokens per region measured after it.
const WARMUP = Number(process.env.LATCHKEY_INSTRUCTIONS_WARMUP ?? 300);
const WARMUP_PASSES = 4;
const REWARM = 1500;
const PER_REGION = Number(process.env.LATCHKEY_INSTRUCTIONS_PER_REGION ?? 100);
const ROUNDS = Number(process.env.LATCHKEY_INSTRUCTIONS_ROUNDS ?? 5);
const REPEATED_PER_REGION = 2000;
// V8 made as repeatable as it goes: no background threads (the JIT and GC work on the main thread, the
// same way each run), fixed hash and random seeds, a fixed GC schedule and young generation.
const NODE_FLAGS = [
  '--single-threaded',
  '--expose-gc',
  '--hash-seed=1',
  '--random-seed=1',
  '--predictable-gc-schedule',
  '--min-semi-space-size=16',
  '--max-semi-space-size=16',
  '--no-flush-bytecode',
  '--no-flush-baseline-code',
  '--no-concurrent-sweeping',
  '--no-concurrent-marking',
  '--no-parallel-scavenge',
  '--no-parallel-marking',
  '--no-parallel-compaction',
  '--no-concurrent-recompilation',
  '--no-concurrent-sparkplug',
  '--no-memory-reducer',
];

const { values } = parseArgs({
  options: {
    'cache-sim': { type: 'boolean', default: false },
    steps: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    update: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
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
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { signKey: pair.privateKey, entry: { pem: pair.publicKey.export({ type: 'spki', format: 'pem' }) } };
}

function signatureOf(alg, key, input) {
  switch (alg) {
    case 'RS256':
      return sign('sha256', input, key);
    case 'PS256':
      return sign('sha256', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
    case 'ES256':
      return sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return sign(null, input, key);
    default:
      return createHmac('sha256', key).update(input).digest();
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
    for (let index = 0; index < WARMUP + PER_REGION; index++) {
      const claims = { iss: ISSUER, aud: AUDIENCE, sub: `user-${index}`, iat: now, exp: now + 3600, jti: `t${index}` };
      const input = `${b64({ alg, typ: 'JWT', kid })}.${b64(claims)}`;
      tokens.push(`${input}.${signatureOf(alg, signKey, Buffer.from(input)).toString('base64url')}`);
    }
    algs[alg] = { ...entry, kid, tokens };
  }
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    warmup: WARMUP,
    perRegion: PER_REGION,
    rounds: ROUNDS,
    repeatedPerRegion: REPEATED_PER_REGION,
    warmupPasses: WARMUP_PASSES,
    rewarm: REWARM,
    algs,
  };
}

/** Runs a worker under callgrind; resolves to `{ label: counts }` (countsOf), one entry per counted region. */
function callgrind(script, workerArgs, outDir, lane, cacheSim) {
  return new Promise((resolve, reject) => {
    const out = join(outDir, `cg.${lane}`);
    const args = [
      '--tool=callgrind',
      ...(cacheSim ? ['--cache-sim=yes'] : []),
      `--callgrind-out-file=${out}`,
      // Counting starts at each `process.ppid` (getppid) and is written at each `os.getPriority()`.
      '--zero-before=getppid',
      '--dump-before=getpriority',
      // Only the main thread is counted (its file ends in -01): what Node's helper threads do meanwhile
      // (libuv, V8's platform) runs whenever the scheduler lets it, and is not the request's work.
      '--separate-threads=yes',
      process.execPath,
      ...NODE_FLAGS,
      join(here, script),
      ...workerArgs,
    ];
    const child = spawn('valgrind', args, { cwd: join(here, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`callgrind run ${lane} failed (exit ${code}):\n${stderr.slice(-2000)}`));
      const labels = stdout.split('\n').filter((line) => line !== '');
      const counts = {};
      for (const [index, label] of labels.entries()) {
        const file = `${out}.${index + 1}-01`;
        try {
          counts[label] = countsOf(readFileSync(file, 'utf8'));
        } catch (error) {
          return reject(new Error(`callgrind run ${lane}: ${file}: ${error.message}`));
        }
      }
      resolve(counts);
    });
  });
}

async function measure() {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-instructions-'));
  try {
    const path = join(dir, 'fixture.json');
    writeFileSync(path, JSON.stringify(fixture()));
    // Two jobs on two lanes (the machine's two cores): the asymmetric algorithms split by cost, HS256 with
    // the RSA pair.
    const only = process.env.LATCHKEY_INSTRUCTIONS_ALGS?.split(',');
    const jobs =
      only !== undefined
        ? [['worker.mjs', [path, ...only]]]
        : [
            ['worker.mjs', [path, 'ES256', 'EdDSA']],
            ['worker.mjs', [path, 'RS256', 'PS256', 'HS256']],
          ];
    // The step breakdown needs no cache simulation: instructions only.
    if (values.steps) jobs.push(['steps-worker.mjs', [path, ...(only ?? [])], false]);
    const counts = {};
    let next = 0;
    const lanes = Math.min(jobs.length, Math.max(1, Math.min(availableParallelism(), 2)));
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        for (let job = next++; job < jobs.length; job = next++)
          Object.assign(counts, await callgrind(jobs[job][0], jobs[job][1], dir, job, jobs[job][2] ?? values['cache-sim']));
      }),
    );
    const result = {};
    for (const alg of ALGS.filter((a) => counts[`${a} floor 0`] !== undefined)) {
      const rounds = Array.from({ length: ROUNDS }, (_, r) => r);
      const countsIn = (kind) => rounds.map((r) => counts[`${alg} ${kind} ${r}`]);
      const of = (kind) => countsIn(kind).map((c) => c.instructions);
      const fewest = (kind) => Math.min(...of(kind));
      const floor = fewest('floor');
      result[alg] = {
        floor: Math.round(floor / PER_REGION),
        aboveFloor: Math.round((fewest('latchkey') - floor) / PER_REGION),
        // The adapters' path: the header read and the synchronous check, no promise (worker.mjs).
        adapterAboveFloor: Math.round((fewest('adapter') - floor) / PER_REGION),
        // How far the median round lies above the fewest: the noise that taking the fewest removes.
        noise: Math.round((median(of('latchkey')) - fewest('latchkey') + median(of('floor')) - floor) / PER_REGION),
        repeated: Math.round((fewest('repeated') - fewest('empty')) / REPEATED_PER_REGION),
        // The same token through the adapters' path, each request with its own copy of the header.
        adapterRepeated: Math.round((fewest('adapter-repeated') - fewest('empty')) / REPEATED_PER_REGION),
        ...(values['cache-sim'] ? { l1Misses: l1MissesOf(countsIn('floor'), countsIn('latchkey'), PER_REGION) } : {}),
        ...(values.steps ? { steps: breakdownOf(stepRounds(counts, alg), PER_REGION, Math.round((fewest('latchkey') - floor) / PER_REGION)) } : {}),
        rounds: {
          floor: of('floor'),
          latchkey: of('latchkey'),
          adapter: of('adapter'),
          empty: of('empty'),
          repeated: of('repeated'),
          adapterRepeated: of('adapter-repeated'),
        },
      };
    }
    return result;
  } finally {
    if (process.env.LATCHKEY_INSTRUCTIONS_KEEP === undefined) rmSync(dir, { recursive: true, force: true });
    else console.error(`callgrind files kept in ${dir}`);
  }
}

const started = Date.now();
const measured = await measure();
const baseline = JSON.parse(readFileSync(BASELINE, 'utf8'));
const limitOf = (base) => (base === undefined ? undefined : Math.round(base * (1 + baseline.marginPercent / 100) + baseline.marginInstructions));
const failures = [];
const checkAgainst = (what, value, base) => {
  const limit = limitOf(base);
  if (limit !== undefined && value > limit) failures.push(`${what}: ${value} > ${limit}`);
  return `${value} | ${base ?? '-'} | ${limit ?? '-'}`;
};
console.log(
  `instructions per verification (callgrind; fewest of ${ROUNDS} rounds over the same ${PER_REGION} distinct tokens; ${((Date.now() - started) / 1000).toFixed(0)} s)`,
);
console.log(
  '| alg | floor (node:crypto) | Latchkey above floor | baseline | limit | median − fewest | adapter path above floor | baseline | limit | repeated token, default options | baseline | limit | adapter path, repeated token | baseline | limit |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const alg of ALGS.filter((a) => measured[a] !== undefined)) {
  const m = measured[alg];
  const above = checkAgainst(`${alg} above floor`, m.aboveFloor, baseline.instructionsAboveFloor?.[alg]);
  const adapter = checkAgainst(`${alg} adapter path above floor`, m.adapterAboveFloor, baseline.adapterAboveFloor?.[alg]);
  const repeated = checkAgainst(`${alg} repeated token`, m.repeated, baseline.repeatedToken?.[alg]);
  const adapterRepeated = checkAgainst(`${alg} adapter path, repeated token`, m.adapterRepeated, baseline.adapterRepeatedToken?.[alg]);
  console.log(`| ${alg} | ${m.floor} | ${above} | ${m.noise} | ${adapter} | ${repeated} | ${adapterRepeated} |`);
}
if (values['cache-sim']) {
  console.log('\nL1 cache misses per verification (callgrind --cache-sim, median of rounds)');
  console.log('| alg | L1i misses, floor | L1i misses, Latchkey above floor | L1d misses, floor | L1d misses, Latchkey above floor |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const alg of ALGS.filter((a) => measured[a]?.l1Misses !== undefined)) {
    const { instruction, data } = measured[alg].l1Misses;
    console.log(`| ${alg} | ${instruction.floor} | ${instruction.aboveFloor} | ${data.floor} | ${data.aboveFloor} |`);
  }
}
if (values.steps) {
  const algs = ALGS.filter((a) => measured[a]?.steps !== undefined);
  console.log('\nwhere the instructions above the floor go: each step alone, per token (fewest of the rounds, less the loop)');
  console.log(`| step | ${algs.join(' | ')} |`);
  console.log(`| --- |${algs.map(() => ' ---: |').join('')}`);
  for (const [name, what] of Object.entries(STEP_DESCRIPTIONS)) console.log(`| ${what} | ${algs.map((a) => measured[a].steps.steps[name]).join(' | ')} |`);
  console.log(`| the rest (promise, result, header lookup, interplay) | ${algs.map((a) => measured[a].steps.rest).join(' | ')} |`);
  console.log(`| verify() above the floor | ${algs.map((a) => measured[a].aboveFloor).join(' | ')} |`);
}
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ perRegion: PER_REGION, rounds: ROUNDS, measured }, null, 2));
if (values.update) {
  const pick = (field) => Object.fromEntries(ALGS.map((alg) => [alg, measured[alg][field]]));
  writeFileSync(
    BASELINE,
    `${JSON.stringify({ ...baseline, instructionsAboveFloor: pick('aboveFloor'), adapterAboveFloor: pick('adapterAboveFloor'), repeatedToken: pick('repeated'), adapterRepeatedToken: pick('adapterRepeated'), measured: `${new Date().toISOString().slice(0, 10)}, pnpm --filter @latchkey/bench run instructions --update` }, null, 2)}\n`,
  );
  console.log(`baseline written: ${BASELINE}`);
}
if (values.check && failures.length > 0) {
  console.error(`instruction regression beyond ${baseline.marginPercent} % + ${baseline.marginInstructions}: ${failures.join('; ')}`);
  process.exit(1);
}
