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

async function instance(keyPrefix: string, client: Redis = redis.client): Promise<Issuer> {
  return createIssuer({
    signingKey: 'a-test-secret-of-at-least-32-bytes-long!',
    users: await createMemoryUsers([{ id: '1', username: 'alice', password: 'wonderland' }], { cost: { N: 2 ** 12, r: 8, p: 1 } }),
    loginLimits: { store: redisLimiterStore({ client, keyPrefix }), perAccountAndAddress: { attempts: 2, windowSeconds: 60, blockSeconds: 30 } },
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

  it('refuses unknown options and a client that is not one', () => {
    expect(() => redisLimiterStore({ client: redis.client, prefix: 'x' } as never)).toThrow(/unknown option "prefix".*did you mean "keyPrefix"/);
    expect(() => redisLimiterStore({ client: {} })).toThrow(/ioredis/);
  });
});
