// One process under callgrind (run.mjs starts it). Counts only measured regions: callgrind is started with
// `--zero-before=getppid --dump-before=getpriority`, so reading `process.ppid` zeroes the counters and
// `os.getPriority()` writes them out (one file per region, in order). Node start-up, module loading, key
// import and the JIT's warm-up are never counted.
//
// Per algorithm: `rounds` times a floor region and a Latchkey region over the same `perRegion` tokens. The
// crypto work is identical in every such region (same tokens, same key); what differs is Latchkey's own
// work: (Latchkey − floor) / perRegion, from each region's fewest over the rounds (run.mjs).
//
// Steady means nothing but the measured code runs inside a region, which takes care with V8:
// - No forced GC right before a region. A full GC clears the weak references optimised code holds (maps,
//   call targets) and V8 then deoptimises that code ("weak objects", "wrong call target") and compiles it
//   again, inside the region that follows: thousands of instructions of JIT per token that a server in its
//   steady state never pays. So GC happens once, after warm-up, and every loop is run again afterwards
//   (re-warm) until it is back in optimised code; a scavenge that still falls inside a region only adds to
//   it, and taking the fewest of the rounds drops it.
// - Every contender warms its own loops, several passes apart (a collection before each pass), so the code
//   each region runs has already lived through the collections and tier-ups it would meet; no loop borrows
//   another contender's feedback (a warm-up on HS256 tokens left RS256 regions re-optimising).
// With `--trace-opt --trace-deopt` no JIT event falls inside a region.
// Plain JavaScript (no tsx): nothing but the harness and the built package is loaded.
import { constants, createHmac, timingSafeEqual, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { createVerifier } from '@latchkey/core';
import { createRequestAuthenticator } from '@latchkey/core/adapter';
import { fixtureKeys } from './fixture-keys.mjs';

const [fixturePath, ...onlyAlgs] = process.argv.slice(2);
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));
const collect = globalThis.gc;
if (typeof collect !== 'function') throw new Error('run with --expose-gc');

function floorFor(alg, key) {
  switch (alg) {
    case 'RS256':
      return (data, sig) => verify('sha256', data, key, sig);
    case 'PS256':
      return (data, sig) => verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, sig);
    case 'ES256':
      return (data, sig) => verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'EdDSA':
      return (data, sig) => verify(null, data, key, sig);
    case 'HS256':
      return (data, sig) => timingSafeEqual(createHmac('sha256', key).update(data).digest(), sig);
    default:
      throw new Error(`unknown alg ${alg}`);
  }
}

function contender(alg, entry) {
  const { key, keys } = fixtureKeys(alg, entry);
  const check = floorFor(alg, key);
  // The floor gets its signing input and signature precomputed: no decoding, no claims.
  const inputs = entry.tokens.map((token) => {
    const dot = token.lastIndexOf('.');
    return { data: Buffer.from(token.slice(0, dot)), signature: Buffer.from(token.slice(dot + 1), 'base64url') };
  });
  // Distinct tokens never hit a cache: off, to count verification itself.
  const verifier = createVerifier({ keys, algorithms: [alg], issuer: fixture.issuer, audience: fixture.audience, tokenCache: false });
  const cached = createVerifier({ keys, algorithms: [alg], issuer: fixture.issuer, audience: fixture.audience });
  // What an adapter runs per request: bearer extraction and the synchronous check (no promise when the
  // keys are at hand), on a request that carries nothing but its header; cache off, as for `verifier`.
  const authenticator = createRequestAuthenticator({ verifier }, { rawHeaders: (request) => request.rawHeaders, method: () => 'GET', path: () => '/' });
  const requests = entry.tokens.map((token) => ({ rawHeaders: ['Host', '127.0.0.1', 'Authorization', `Bearer ${token}`] }));
  // One token again, through the adapters' path with default options (the cache on), each request with a
  // header string of its own, as each HTTP request's is.
  const cachedAuthenticator = createRequestAuthenticator(
    { verifier: cached },
    { rawHeaders: (request) => request.rawHeaders, method: () => 'GET', path: () => '/' },
  );
  const header = `Bearer ${entry.tokens[0]}`;
  const repeatedRequests = Array.from({ length: fixture.repeatedPerRegion }, () => ({
    rawHeaders: ['Host', '127.0.0.1', 'Authorization', Buffer.from(header, 'latin1').toString('latin1')],
  }));
  return { alg, tokens: entry.tokens, check, inputs, verifier, cached, authenticator, requests, cachedAuthenticator, repeatedRequests };
}

async function floorLoop(c, from, to) {
  for (let i = from; i < to; i++) {
    const input = c.inputs[i];
    if ((await c.check(input.data, input.signature)) !== true) throw new Error(`floor refused a valid ${c.alg} token`);
  }
}

async function latchkeyLoop(c, from, to) {
  for (let i = from; i < to; i++) {
    const { payload } = await c.verifier.verify(c.tokens[i % c.tokens.length]);
    if (payload === undefined) throw new Error('no payload');
  }
}

// One token again and again through a verifier with the default options (the token cache on).
async function repeatedLoop(c, from, to) {
  const token = c.tokens[0];
  for (let i = from; i < to; i++) {
    const { payload } = await c.cached.verify(token);
    if (payload === undefined) throw new Error('no payload');
  }
}

// Requests through a request authenticator (the adapters' path); `requests` cycle when `to` is past them.
async function authenticatorLoop(authenticator, requests, from, to) {
  for (let i = from; i < to; i++) {
    const result = authenticator.authenticate(requests[i % requests.length]);
    if (result === null || typeof result.then === 'function') throw new Error('the adapter path was not synchronous');
  }
}
const adapterLoop = (c, from, to) => authenticatorLoop(c.authenticator, c.requests, from, to);
const adapterRepeatedLoop = (c, from, to) => authenticatorLoop(c.cachedAuthenticator, c.repeatedRequests, from, to);

// Nothing but the loop itself: the harness's own cost per iteration, subtracted from the repeated loop.
async function emptyLoop(_c, from, to) {
  for (let i = from; i < to; i++) {
    if ((await i) < 0) throw new Error('unreachable');
  }
}

/** Counts one region: zero, run, dump. Prints the region's label, so run.mjs can pair dumps with labels. */
async function region(label, run) {
  void process.ppid;
  await run();
  getPriority();
  process.stdout.write(`${label}\n`);
}

const { warmup, perRegion, rounds, repeatedPerRegion, warmupPasses, rewarm } = fixture;
const algs = Object.keys(fixture.algs).filter((alg) => onlyAlgs.length === 0 || onlyAlgs.includes(alg));
const contenders = algs.map((alg) => contender(alg, fixture.algs[alg]));
for (const c of contenders) await c.verifier.warm();
/** Every loop of a contender: the distinct-token loops `passes` times over the warm-up tokens, the others `repeats` calls. */
async function exercise(c, passes, repeats) {
  for (let pass = 0; pass < passes; pass++) {
    await floorLoop(c, 0, warmup);
    await latchkeyLoop(c, 0, warmup);
    await adapterLoop(c, 0, warmup);
  }
  await repeatedLoop(c, 0, repeats);
  await adapterRepeatedLoop(c, 0, repeats);
  await emptyLoop(c, 0, repeats);
}

for (let pass = 0; pass < warmupPasses; pass++) {
  for (const c of contenders) {
    collect();
    await exercise(c, 1, warmup * 5);
  }
}
collect();
collect();
// Re-warm after the last collection: whatever it deoptimised is compiled again here, not in a region.
for (const c of contenders) await exercise(c, Math.ceil(rewarm / warmup), rewarm * 5);
for (let round = 0; round < rounds; round++) {
  for (const c of contenders) {
    // The same tokens in every round and both regions: the crypto work is identical, to the instruction.
    const from = warmup;
    await region(`${c.alg} floor ${round}`, () => floorLoop(c, from, from + perRegion));
    await region(`${c.alg} latchkey ${round}`, () => latchkeyLoop(c, from, from + perRegion));
    await region(`${c.alg} adapter ${round}`, () => adapterLoop(c, from, from + perRegion));
    await region(`${c.alg} empty ${round}`, () => emptyLoop(c, 0, repeatedPerRegion));
    await region(`${c.alg} repeated ${round}`, () => repeatedLoop(c, 0, repeatedPerRegion));
    await region(`${c.alg} adapter-repeated ${round}`, () => adapterRepeatedLoop(c, 0, repeatedPerRegion));
  }
}
