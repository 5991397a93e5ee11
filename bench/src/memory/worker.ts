/**
 * `worker.ts <tokens> <maxMs>`: pushes that many distinct valid HS256 tokens through one Latchkey verifier
 * with `tokenCache: true` (default bound), generating each token just before it is verified so that only
 * the verifier can hold on to them. Prints one JSON line with RSS and heap samples.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { AUDIENCE, ISSUER } from '../common/fixture.js';
import { core } from '../common/latchkey.js';

const total = Number(process.argv[2]);
const maxMs = Number(process.argv[3]);
const gc = (globalThis as { gc?: () => void }).gc;
const secret = randomBytes(32);
const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'mem' })).toString('base64url');

function settle(): { rss: number; heapUsed: number } {
  gc?.();
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

const verifier = core.createVerifier({
  keys: core.hmacSecrets([{ kid: 'mem', secret }]),
  algorithms: ['HS256'],
  issuer: ISSUER,
  audience: AUDIENCE,
  tokenCache: true,
});
await verifier.warm();
const now = Math.floor(Date.now() / 1000);
const before = settle();
const samples: Array<{ tokens: number; rss: number; heapUsed: number }> = [];
const marks = new Set([0.1, 0.25, 0.5, 0.75].map((f) => Math.floor(total * f)));
let failures = 0;
let done = 0;
let lastToken = '';
const started = performance.now();
for (; done < total; done++) {
  if ((done & 1023) === 0 && performance.now() - started > maxMs) break;
  const payload = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: `user-${done}`, iat: now, exp: now + 3600, jti: `m${done}` })).toString(
    'base64url',
  );
  const input = `${header}.${payload}`;
  const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  lastToken = token;
  try {
    await verifier.verify(token);
  } catch {
    failures++;
  }
  if (marks.has(done)) samples.push({ tokens: done, ...settle() });
}
const seconds = (performance.now() - started) / 1000;
const after = settle();
samples.push({ tokens: done, ...after });
// Use the verifier after the last measurement: otherwise V8 may collect it (and its cache) before it.
const stillCached = (await verifier.verify(lastToken)).token === lastToken;
process.stdout.write(
  `${JSON.stringify({ tokens: done, requested: total, failures, seconds, before, after, samples, cacheBound: core.DEFAULT_TOKEN_CACHE_ENTRIES, stillCached, gc: gc !== undefined })}\n`,
);
