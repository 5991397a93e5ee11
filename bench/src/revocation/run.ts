/**
 * Issue 12: the per-request cost of `redisRevocationCheck` with a warm local cache. A real `redis-server`
 * on 127.0.0.1 (started here, stopped by its PID), one repeated token through a verifier with default
 * options, with and without the Redis-backed `isRevoked`; rounds interleave the two, and the figure is the
 * median over rounds of the difference in µs per call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { redisRevocationCheck } from '@latchkey/redis';
import { ALGS } from '../common/algs.js';
import type { createFixture } from '../common/fixture.js';
import { AUDIENCE, ISSUER } from '../common/fixture.js';
import { core, staticKeySource } from '../common/latchkey.js';
import { median } from '../common/stats.js';

export type RevocationResult =
  | { readonly status: 'ok'; readonly withoutUs: number; readonly withUs: number; readonly addedUs: number; readonly rounds: number }
  | { readonly status: 'failed'; readonly note: string };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function startRedis(): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 100; attempt++) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // Refused until the server listens: the loop retries.
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return { port, child };
    } catch {
      probe.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill();
  throw new Error('redis-server did not start');
}

async function usPerCall(verifier: core.Verifier, token: string, calls: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await verifier.verify(token);
  return Number(process.hrtime.bigint() - started) / 1000 / calls;
}

export async function runRevocation(
  fixture: ReturnType<typeof createFixture>,
  tokens: Record<string, string[]>,
  quick: boolean,
  log: (line: string) => void,
): Promise<RevocationResult> {
  let redis: { port: number; child: ChildProcess } | undefined;
  const clients: Redis[] = [];
  try {
    redis = await startRedis();
    log(`revocation: redis-server on 127.0.0.1:${redis.port} (pid ${redis.child.pid})`);
    const client = new Redis({ port: redis.port, host: '127.0.0.1' });
    const subscriber = client.duplicate();
    clients.push(client, subscriber);
    const revocation = redisRevocationCheck({ client, subscriber });
    await revocation.ready();
    const alg = ALGS[0];
    const keys = staticKeySource(fixture.keys[alg]);
    const plain = core.createVerifier({ keys, algorithms: [alg], issuer: ISSUER, audience: AUDIENCE });
    const checked = core.createVerifier({ keys, algorithms: [alg], issuer: ISSUER, audience: AUDIENCE, isRevoked: revocation.isRevoked });
    const token = tokens[alg]?.[0];
    if (token === undefined) throw new Error('no token');
    // Warm: the verified-token cache and the revocation cache both hold the token now.
    const calls = quick ? 50_000 : 200_000;
    await usPerCall(plain, token, calls);
    await usPerCall(checked, token, calls);
    const rounds = quick ? 5 : 9;
    const without: number[] = [];
    const withCheck: number[] = [];
    const added: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const a = await usPerCall(plain, token, calls);
      const b = await usPerCall(checked, token, calls);
      without.push(a);
      withCheck.push(b);
      added.push(b - a);
    }
    await revocation.close();
    return { status: 'ok', withoutUs: median(without), withUs: median(withCheck), addedUs: median(added), rounds };
  } catch (error) {
    return { status: 'failed', note: (error as Error).message };
  } finally {
    for (const client of clients) client.disconnect();
    redis?.child.kill('SIGTERM');
  }
}
