/**
 * Issue 12: the per-request cost of `redisRevocationCheck` with a warm local cache. A real `redis-server`
 * on 127.0.0.1 (common/redis-server.ts: started here, stopped by its PID), one repeated token through a verifier with default
 * options, with and without the Redis-backed `isRevoked`; rounds interleave the two, and the figure is the
 * median over rounds of the difference in µs per call.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisRevocationCheck } from '@latchkey/redis';
import { ALGS } from '../common/algs.js';
import type { createFixture } from '../common/fixture.js';
import { AUDIENCE, ISSUER } from '../common/fixture.js';
import { core, staticKeySource } from '../common/latchkey.js';
import { startRedisServer, type RedisServer } from '../common/redis-server.js';
import { median } from '../common/stats.js';

export type RevocationResult =
  | { readonly status: 'ok'; readonly withoutUs: number; readonly withUs: number; readonly addedUs: number; readonly rounds: number }
  | { readonly status: 'failed'; readonly note: string };

async function usPerCall(verifier: core.Verifier, token: string, calls: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await verifier.verify(token);
  return Number(process.hrtime.bigint() - started) / 1000 / calls;
}

export async function runRevocation(
  fixture: ReturnType<typeof createFixture>,
  tokens: Record<string, string[]>,
  quick: boolean,
  scratch: string,
  log: (line: string) => void,
): Promise<RevocationResult> {
  let redis: RedisServer | undefined;
  const clients: Redis[] = [];
  try {
    redis = await startRedisServer(join(scratch, 'revocation-redis'), 'none');
    log(`revocation: redis-server on 127.0.0.1:${redis.port} (pid ${redis.pid})`);
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
    await redis?.stop();
  }
}
