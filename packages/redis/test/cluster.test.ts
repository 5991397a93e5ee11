/**
 * The same store on a local three-master Redis Cluster: the whole store contract, a 100-way rotation race,
 * every key of a user in one slot (so one script may touch them), users spread over the nodes, and the
 * revocation check's pub/sub across nodes.
 */
import { randomBytes } from 'node:crypto';
import { describeStoreContract } from '@latchkey/issuer/contract';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisRevocationCheck } from '../src/revocation.js';
import { redisStore } from '../src/store.js';
import { login, me, post, startInstance } from './instances.js';
import { startCluster, type RedisCluster } from './redis-server.js';

let nodes: RedisCluster;
let cluster: Cluster;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  nodes = await startCluster();
  cluster = new Cluster(
    nodes.ports.map((port) => ({ host: '127.0.0.1', port })),
    { enableOfflineQueue: false, redisOptions: { maxRetriesPerRequest: 0 } },
  );
  await new Promise<void>((resolve, reject) => {
    cluster.once('ready', resolve);
    cluster.once('error', reject);
  });
}, 60_000);
afterAll(async () => {
  cluster?.disconnect();
  await nodes?.dispose();
});

describeStoreContract('redisStore on a three-master Cluster', () => redisStore({ client: cluster }), {
  makeStoreWithSessionLimitOf: (max) => redisStore({ client: cluster, maxSessionsPerUser: max }),
});

describe('redisStore on a Cluster', () => {
  it('100 concurrent rotations of one token: exactly one wins, the first loser revokes the family in the same script', async () => {
    const store = redisStore({ client: cluster });
    const now = Date.now();
    const family = { familyId: randomBytes(16).toString('hex'), userId: `race-${now}`, currentHash: 'h0', createdAt: now, expiresAt: now + 60_000 };
    await store.createFamily(family);
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        store.rotate(family.userId, family.familyId, 'h0', { currentHash: `h${index + 1}`, expiresAt: now + 60_000, usedAt: Date.now() }),
      ),
    );
    const count = (status: string): number => outcomes.filter((outcome) => outcome.status === status).length;
    expect([count('rotated'), count('reused'), count('revoked')]).toEqual([1, 1, 98]);
    expect(await store.getFamily(family.userId, family.familyId)).toMatchObject({ generation: 1, revokedReason: 'reuse' });
  });

  it('keeps every key of a user in one slot, and spreads users over the three masters', async () => {
    const store = redisStore({ client: cluster, keyPrefix: 'slots:' });
    const now = Date.now();
    const slotOf = async (key: string): Promise<number> => Number(await cluster.call('CLUSTER', 'KEYSLOT', key));
    const owners = new Set<string>();
    const slotsTable = (await cluster.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
    for (let user = 0; user < 12; user += 1) {
      const userId = `user-${user}`;
      await store.createFamily({ familyId: `f${user}`, userId, currentHash: 'h', createdAt: now, expiresAt: now + 60_000 });
      await store.revokeUser(userId, now + 1, now + 60_000);
      const slots = new Set(await Promise.all([`slots:u:{${userId}}:fam:f${user}`, `slots:u:{${userId}}:epoch`, `slots:u:{${userId}}:sessions`].map(slotOf)));
      expect(slots.size).toBe(1);
      const slot = [...slots][0]!;
      const owner = slotsTable.find(([from, to]) => slot >= from && slot <= to)!;
      owners.add(String(owner[2][1]));
    }
    expect(owners.size).toBeGreaterThan(1);
  });

  it('redisRevocationCheck on the Cluster: a revocation written on any node reaches the subscriber', async () => {
    const store = redisStore({ client: cluster });
    // The subscriber queues its SUBSCRIBE until connected (offline queue on).
    const subscriber = cluster.duplicate(undefined, { enableOfflineQueue: true });
    subscriber.on('error', () => undefined);
    const check = redisRevocationCheck({ client: cluster, subscriber, cacheTtlMs: 60_000 });
    await check.ready();
    const now = Date.now();
    const tokens = [];
    for (let user = 0; user < 6; user += 1) {
      const family = { familyId: `rc-${now}-${user}`, userId: `rc-user-${user}`, currentHash: 'h', createdAt: now, expiresAt: now + 60_000 };
      await store.createFamily(family);
      tokens.push({ jti: `j-${now}-${user}`, sub: family.userId, fam: family.familyId });
    }
    for (const token of tokens) expect(await check.isRevoked(token)).toBe(false);
    for (const token of tokens) await store.revokeFamily(token.sub, token.fam, 'logout', now);
    await sleep(100);
    for (const token of tokens) expect(await check.isRevoked(token)).toBe(true);
    await check.close();
    subscriber.disconnect();
  });
});

describe('two API instances on the Cluster', () => {
  it('100 concurrent refreshes over both: exactly one succeeds, the family is revoked everywhere; logout everywhere crosses instances', async () => {
    const [one, two] = await Promise.all([startInstance(nodes.ports), startInstance(nodes.ports)]);
    try {
      const { access, refresh } = await login(one!.url);
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, index) => post(`${(index % 2 === 0 ? one! : two!).url}/api/token/refresh/`, { refresh })),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
      expect(answers.filter((answer) => answer.status === 401)).toHaveLength(99);
      for (const instance of [one!, two!]) expect(await me(instance.url, access)).toBe(401);
      const phone = await login(two!.url);
      expect(await me(one!.url, phone.access)).toBe(200);
      const out = await fetch(`${two!.url}/api/token/logout-all/`, { method: 'POST', headers: { authorization: `Bearer ${phone.access}` } });
      expect(out.status).toBe(200);
      const started = Date.now();
      while ((await me(one!.url, phone.access)) !== 401) {
        expect(Date.now() - started).toBeLessThan(2000);
        await sleep(10);
      }
      expect((await post(`${one!.url}/api/token/refresh/`, { refresh: phone.refresh })).status).toBe(401);
    } finally {
      await Promise.all([one?.stop(), two?.stop()]);
    }
  }, 60_000);
});
