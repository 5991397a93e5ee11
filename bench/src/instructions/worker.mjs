// One process under callgrind: warm every algorithm's floor and Latchkey loops (so V8 has optimised them),
// then verify `measured` distinct tokens per algorithm with the floor, except for the algorithm named by
// `latchkeyAlg`, verified with Latchkey instead. Startup and warm-up are the same in every run, so two runs'
// instruction counts differ by exactly `measured` × (Latchkey − floor) for that algorithm.
// Plain JavaScript (no tsx): anything loaded here is counted.
import { constants, createHmac, createPublicKey, createSecretKey, timingSafeEqual, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createVerifier, hmacSecrets, staticKeys } from '@latchkey/core';

const [fixturePath, latchkeyAlg] = process.argv.slice(2);
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));

function floorFor(alg, key) {
  switch (alg) {
    case 'RS256': return (data, sig) => verify('sha256', data, key, sig);
    case 'PS256': return (data, sig) => verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, sig);
    case 'ES256': return (data, sig) => verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'EdDSA': return (data, sig) => verify(null, data, key, sig);
    case 'HS256': return (data, sig) => timingSafeEqual(createHmac('sha256', key).update(data).digest(), sig);
    default: throw new Error(`unknown alg ${alg}`);
  }
}

const contenders = [];
for (const [alg, entry] of Object.entries(fixture.algs)) {
  const key = alg === 'HS256' ? createSecretKey(Buffer.from(entry.secret, 'base64')) : createPublicKey(entry.pem);
  const check = floorFor(alg, key);
  const split = (token) => {
    const dot = token.lastIndexOf('.');
    return { data: Buffer.from(token.slice(0, dot)), signature: Buffer.from(token.slice(dot + 1), 'base64url') };
  };
  const keys = alg === 'HS256' ? hmacSecrets([{ kid: entry.kid, secret: key }]) : staticKeys([{ key, kid: entry.kid, alg }]);
  // Distinct tokens, so the cache would never hit: off, to measure verification itself.
  const verifier = createVerifier({ keys, algorithms: [alg], issuer: fixture.issuer, audience: fixture.audience, tokenCache: false });
  await verifier.warm();
  contenders.push({ alg, entry, check, inputs: entry.tokens.map(split), verifier });
}

async function floorLoop(c, from, to) {
  for (let i = from; i < to; i++) {
    const input = c.inputs[i];
    if ((await c.check(input.data, input.signature)) !== true) throw new Error(`floor refused a valid ${c.alg} token`);
  }
}

async function latchkeyLoop(c, from, to) {
  for (let i = from; i < to; i++) await c.verifier.verify(c.entry.tokens[i]);
}

const { warmup, measured } = fixture;
for (const c of contenders) {
  await floorLoop(c, 0, warmup);
  await latchkeyLoop(c, 0, warmup);
}
for (const c of contenders) {
  if (c.alg === latchkeyAlg) await latchkeyLoop(c, warmup, warmup + measured);
  else await floorLoop(c, warmup, warmup + measured);
}
