/**
 * The issuer's login limits on a real redis-server: two issuers (two instances) share the counters, the
 * keys live under the prefix and expire, and a Redis that is gone makes logins 503, never unlimited.
 */
import { createIssuer, createMemoryUsers, type Issuer } from '@latchkey/issuer';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisLimiterStore } from '../src/limiter-store.js';
import { redisPerFile } from './redis-server.js';

const redis = redisPerFile();

async function instance(keyPrefix: string, client: Redis = redis.client, commandTimeoutMs?: number): Promise<Issuer> {
  return createIssuer({
    signingKey: 'a-test-secret-of-at-least-32-bytes-long!',
    users: await createMemoryUsers([{ id: '1', username: 'alice', password: 'wonderland' }], { cost: { N: 2 ** 12, r: 8, p: 1 } }),
    loginLimits: {
      store: redisLimiterStore({ client, keyPrefix, commandTimeoutMs }),
      perAccountAndAddress: { attempts: 2, windowSeconds: 60, blockSeconds: 30 },
    },
  });
}

const login = (issuer: Issuer, password: string) =>
  issuer.handle({
    method: 'POST',
    path: '/api/token/',
    headers: {},
    contentType: 'application/json',
    body: JSON.stringify({ username: 'alice', password }),
    clientAddress: '203.0.113.9',
  });

describe('redisLimiterStore', () => {
  it('shares the counters between instances and keeps them under the prefix with a TTL', async () => {
    const [one, two] = [await instance('t1:'), await instance('t1:')];
    expect((await login(one, 'wrong'))?.status).toBe(401);
    expect((await login(two, 'wrong'))?.status).toBe(401);
    const refused = await login(one, 'wonderland');
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(25);
    const keys = await redis.client.keys('t1:*');
    expect(keys.sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^t1:login:account-address:/), expect.stringMatching(/^t1:login:address:203\.0\.113\.9$/)]),
    );
    for (const key of keys) expect(await redis.client.pttl(key)).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toContain('alice');
    // Another prefix, another application: its counters are its own.
    expect((await login(await instance('t2:'), 'wonderland'))?.status).toBe(200);
  });

  it('answers 503 when Redis cannot be reached (fails closed)', async () => {
    const offline = new Redis({ host: '127.0.0.1', port: redis.server.port, enableOfflineQueue: false, lazyConnect: true });
    const answer = await login(await instance('t3:', offline), 'wonderland');
    expect(answer?.status).toBe(503);
    expect(answer?.headers['retry-after']).toBe('1');
    offline.disconnect();
  });

  it('answers 503 within commandTimeoutMs when Redis is connected but stops answering (CLIENT PAUSE)', async () => {
    const issuer = await instance('t4:', redis.client, 200);
    const admin = redis.client.duplicate();
    await admin.connect();
    try {
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const started = Date.now();
      const answer = await login(issuer, 'wonderland');
      const waited = Date.now() - started;
      expect([answer?.status, answer?.headers['retry-after']]).toEqual([503, '1']);
      // The deadline, not the pause's end (1,500 ms), bounds the wait; generous for a busy machine.
      expect(waited).toBeLessThan(1200);
    } finally {
      // The pause ends by itself; wait for it, so the next test starts on a Redis that answers.
      await expect.poll(() => admin.ping(), { timeout: 5000, interval: 50 }).toBe('PONG');
      admin.disconnect();
    }
    expect((await login(issuer, 'wonderland'))?.status).toBe(200);
  });

  it('refuses unknown options, a client that is not one, and a deadline Node cannot keep', () => {
    expect(() => redisLimiterStore({ client: redis.client, prefix: 'x' } as never)).toThrow(/unknown option "prefix".*did you mean "keyPrefix"/);
    expect(() => redisLimiterStore({ client: {} })).toThrow(/ioredis/);
    // Past 2^31 - 1 ms Node fires a timer after 1 ms: every call would fail at once.
    expect(() => redisLimiterStore({ client: redis.client, commandTimeoutMs: 3_000_000_000 })).toThrow(
      /"commandTimeoutMs" must be an integer ≥ 1 and ≤ 2147483647/,
    );
  });
});
