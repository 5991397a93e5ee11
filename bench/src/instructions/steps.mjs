// The steps of one verification above the floor, each alone, for the step breakdown of the instruction
// count (steps-worker.mjs counts each under callgrind). They call the verifier's own internal functions
// (token.ts, claims.ts, the key source) in the order `verify()` does, over distinct tokens prepared the
// same way: what a step costs here is what it costs inside `verify()`, minus the interplay (caches,
// branch history, the promise) that the whole measures and this does not; the report gives that as the
// rest. `core` holds the functions, so the test can pass the TypeScript sources and the worker the build.

/** Each step's name and what it does, in the order `verify()` runs them (the report's rows). */
export const STEP_DESCRIPTIONS = Object.freeze({
  split: "strict split: three segments, ASCII (a check that copies the token's bytes), no `+` or `/` (splitCompact)",
  payload: 'payload: slice, base64url and UTF-8 decoding, JSON.parse (decodeJsonObject)',
  json: 'of which JSON.parse of the decoded text alone',
  keys: "key lookup by the header's kid and alg (the key source's getKeys)",
  signature: 'signature: slice and base64url decoding (decodeSegment)',
  input: 'signing input: a view of the bytes the split copied (signingInputOf)',
  clock: 'the clock (Date.now)',
  claims: 'registered-claim checks: exp, nbf, iat, iss, aud (checkClaims)',
});

/**
 * The steps over `tokens`, and `loop`, the harness loop alone (subtracted from every step).
 * @param {import('./steps.d.mts').CoreInternals} core
 * @param {import('./steps.d.mts').StepsInput} input
 * @returns {import('./steps.d.mts').Step[]}
 */
export function stepsOf(core, { alg, tokens, keys, issuer, audience, nowSeconds }) {
  const options = core.resolveOptions({ keys, algorithms: [alg], issuer, audience, tokenCache: false });
  const max = options.maxTokenBytes;
  const parts = tokens.map((token) => core.splitCompact(token, max));
  const payloadTexts = parts.map((p) => Buffer.from(core.payloadSegmentOf(p), 'base64url').toString('utf8'));
  const payloads = payloadTexts.map((text) => JSON.parse(text));
  const lookup = { kid: JSON.parse(Buffer.from(tokens[0].slice(0, parts[0].headerEnd), 'base64url').toString('utf8')).kid, alg };
  const n = tokens.length;
  // Each run returns something read from its result, so that no step can be optimised away.
  const runs = {
    loop: (i) => i % n,
    split: (i) => core.splitCompact(tokens[i % n], max).payloadEnd,
    payload: (i) => core.decodeJsonObject(core.payloadSegmentOf(parts[i % n]), 'payload').exp,
    json: (i) => JSON.parse(payloadTexts[i % n]).exp,
    keys: () => keys.getKeys(lookup, undefined).length,
    signature: (i) => {
      const p = parts[i % n];
      return core.decodeSegment(p.token.slice(p.payloadEnd + 1), 'signature').length;
    },
    // As inside verify(): the split of this very token wrote its bytes, so only the view is taken. One
    // token, since here the splits ran before (a different token each time would be copied again).
    input: () => core.signingInputOf(parts[0]).length,
    clock: () => Date.now() & 1,
    claims: (i) => (core.checkClaims(payloads[i % n], options.claims, nowSeconds), 1),
  };
  return Object.entries(runs).map(([name, run]) => ({ name, what: STEP_DESCRIPTIONS[name] ?? 'the harness loop alone', run }));
}

/**
 * Per-token figures from the counted regions: each step's fewest over the rounds, less the loop's, per
 * token; `rest` is what the whole verification above the floor spends beyond the sum of the steps
 * (`json` is part of `payload`, so it is not summed).
 * @param {Record<string, readonly number[]>} rounds instructions per region, by step name
 * @param {number} perRegion
 * @param {number} aboveFloor
 */
export function breakdownOf(rounds, perRegion, aboveFloor) {
  const fewest = (name) => Math.min(...rounds[name]);
  const loop = fewest('loop');
  const steps = {};
  for (const name of Object.keys(rounds)) if (name !== 'loop') steps[name] = Math.round((fewest(name) - loop) / perRegion);
  const summed = Object.entries(steps).reduce((sum, [name, value]) => (name === 'json' ? sum : sum + value), 0);
  return { steps, rest: aboveFloor - summed };
}

/** The label steps-worker.mjs prints for one counted region of a step (run.mjs reads it back with stepRounds). */
export function stepLabel(alg, name, round) {
  return `${alg} step ${name} ${round}`;
}

/**
 * Instructions per region of each of `alg`'s steps, by step name, from run.mjs's counts by label (which
 * also hold the other workers' regions: `<alg> floor 0`, ...).
 * @param {Record<string, { instructions: number }>} counts
 * @param {string} alg
 */
export function stepRounds(counts, alg) {
  const rounds = {};
  for (const [label, value] of Object.entries(counts)) {
    const match = /^(\S+) step (\S+) \d+$/.exec(label);
    if (match !== null && match[1] === alg) (rounds[match[2]] ??= []).push(value.instructions);
  }
  return rounds;
}
