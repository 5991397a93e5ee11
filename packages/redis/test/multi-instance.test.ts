/**
 * Two API instances in separate processes sharing one real Redis: revocation crosses instances, rotation
 * races are decided by Redis, and a Redis crash gives 503s (never a hang or a crash) and loses nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, me, post, startInstance, type Instance } from './instances.js';
import { startRedis, type RedisProcess } from './redis-server.js';

let redis: RedisProcess;
let one: Instance;
let two: Instance;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  redis = await startRedis();
  [one, two] = await Promise.all([startInstance(redis.port), startInstance(redis.port)]);
}, 40_000);
afterAll(async () => {
  await Promise.all([one?.stop(), two?.stop()]);
  await redis?.dispose();
});

describe('two instances on one Redis', () => {
  it('a logout on one instance is refused on the other within the bound (pub/sub: at once)', async () => {
    const { access, refresh } = await login(one.url);
    expect(await me(two.url, access)).toBe(200); // caches "not revoked" on instance two
    expect((await post(`${one.url}/api/token/blacklist/`, { refresh })).status).toBe(200);
    const started = Date.now();
    while ((await me(two.url, access)) !== 401) {
      expect(Date.now() - started).toBeLessThan(2000); // cacheTtlMs of the fixture: the worst case
      await sleep(10);
    }
    expect((await post(`${two.url}/api/token/refresh/`, { refresh })).status).toBe(401);
  });

  it('logout everywhere on one instance (the route): every session refused on the other, refresh and access', async () => {
    const phone = await login(one.url);
    const laptop = await login(two.url);
    expect(await me(two.url, phone.access)).toBe(200); // caches "not revoked" on instance two
    const out = await fetch(`${one.url}/api/token/logout-all/`, { method: 'POST', headers: { authorization: `Bearer ${laptop.access}` } });
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ revoked: 2 });
    const started = Date.now();
    while ((await me(two.url, phone.access)) !== 401) {
      expect(Date.now() - started).toBeLessThan(2000); // cacheTtlMs of the fixture: the worst case
      await sleep(10);
    }
    for (const instance of [one, two]) {
      for (const pair of [phone, laptop]) {
        expect(await me(instance.url, pair.access)).toBe(401);
        expect((await post(`${instance.url}/api/token/refresh/`, { refresh: pair.refresh })).status).toBe(401);
      }
    }
    await sleep(5);
    const fresh = await login(two.url);
    expect(await me(one.url, fresh.access)).toBe(200);
  });

  it('100 concurrent refreshes over both instances: exactly one succeeds, and the family is revoked everywhere', async () => {
    const { access, refresh } = await login(one.url);
    const answers = await Promise.all(Array.from({ length: 100 }, (_, index) => post(`${(index % 2 === 0 ? one : two).url}/api/token/refresh/`, { refresh })));
    const ok = answers.filter((answer) => answer.status === 200);
    expect(ok).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(99);
    const successor = ok[0]!.body.refresh as string;
    for (const instance of [one, two]) {
      expect((await post(`${instance.url}/api/token/refresh/`, { refresh: successor })).status).toBe(401);
      expect(await me(instance.url, access)).toBe(401);
    }
  });

  it('Redis killed and restarted: 503 + Retry-After while down, within the timeout; no lost revocation after', async () => {
    const revoked = await login(one.url);
    expect((await post(`${one.url}/api/token/blacklist/`, { refresh: revoked.refresh })).status).toBe(200);
    // Logout everywhere written just before the crash must survive it too (the epoch key, on disk by AOF).
    const everywhere = await login(two.url);
    const out = await fetch(`${two.url}/api/token/logout-all/`, { method: 'POST', headers: { authorization: `Bearer ${everywhere.access}` } });
    expect(out.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const alive = await login(two.url);
    await redis.kill();
    for (const instance of [one, two]) {
      const started = Date.now();
      const answer = await post(`${instance.url}/api/token/refresh/`, { refresh: alive.refresh });
      expect(Date.now() - started).toBeLessThan(1500);
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect((await post(`${instance.url}/api/token/`, { username: 'alice', password: 'wonderland' })).status).toBe(503);
    }
    // Access verification fails closed while Redis is down (the default policy): no cached answer, no access.
    expect(await me(two.url, alive.access)).toBe(401);
    await redis.start();
    // Reconnects by itself; the revocation written before the crash survived (AOF, appendfsync always).
    const started = Date.now();
    let status = 0;
    while ((status = (await post(`${one.url}/api/token/refresh/`, { refresh: alive.refresh })).status) === 503) {
      expect(Date.now() - started).toBeLessThan(10_000);
      await sleep(100);
    }
    expect(status).toBe(200);
    for (const instance of [one, two]) {
      for (const lost of [revoked, everywhere]) {
        expect((await post(`${instance.url}/api/token/refresh/`, { refresh: lost.refresh })).status).toBe(401);
        expect(await me(instance.url, lost.access)).toBe(401);
      }
    }
  }, 30_000);
});
