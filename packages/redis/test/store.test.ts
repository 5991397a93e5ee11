import { describeStoreContract } from '@latchkey/issuer/contract';
import { Redis } from 'ioredis';
import { StoreCapacityError, StoreUnavailableError } from '@latchkey/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisReplayStore } from '../src/replay-store.js';
import { redisStore } from '../src/store.js';
import { startRedis, type RedisProcess } from './redis-server.js';

let server: RedisProcess;
let client: Redis;

beforeAll(async () => {
  server = await startRedis();
  client = new Redis({ host: '127.0.0.1', port: server.port, enableOfflineQueue: false, lazyConnect: true });
  await client.connect();
});
afterAll(async () => {
  client.disconnect();
  await server.dispose();
});

describeStoreContract('redisStore', () => redisStore({ client }), {
  makeStoreWithSessionLimitOf: (max) => redisStore({ client, maxSessionsPerUser: max }),
});

describe('redisStore', () => {
  it('keeps its keys under the prefix, each id in a hash tag, and expires them with the token', async () => {
    const store = redisStore({ client, keyPrefix: 'app1:' });
    const expiresAt = Date.now() + 60_000;
    await store.createFamily({ familyId: 'f1', userId: 'u', currentHash: 'h', createdAt: Date.now(), expiresAt });
    await store.denyToken('j1', expiresAt);
    expect(await client.pexpiretime('app1:u:{u}:fam:f1')).toBe(expiresAt);
    expect(await client.pexpiretime('app1:u:{u}:sessions')).toBe(expiresAt);
    expect(await client.pexpiretime('app1:deny:{j1}')).toBe(expiresAt);
    expect(await redisStore({ client, keyPrefix: 'app2:' }).getFamily('u', 'f1')).toBeUndefined();
    await store.revokeUser('u', Date.now(), expiresAt + 5000);
    expect(await client.pexpiretime('app1:u:{u}:epoch')).toBe(expiresAt + 5000);
    // keepUntil only ever moves later.
    await store.revokeUser('u', Date.now(), expiresAt);
    expect(await client.pexpiretime('app1:u:{u}:epoch')).toBe(expiresAt + 5000);
  });

  it("files a user's keys under one hash tag, the user id encoded so that braces and colons cannot move it", async () => {
    const store = redisStore({ client, keyPrefix: 'tag:' });
    const now = Date.now();
    await store.createFamily({ familyId: 'f', userId: 'a}b:{c', currentHash: 'h', createdAt: now, expiresAt: now + 60_000 });
    const names = (await client.keys('tag:*')).sort();
    expect(names).toEqual(['tag:u:{a%7Db%3A%7Bc}:fam:f', 'tag:u:{a%7Db%3A%7Bc}:sessions']);
    expect(() => redisStore({ client, keyPrefix: 'a{b}' })).toThrow(/"keyPrefix" must be a string without/);
  });

  it('falls back to EVAL when the server lost its script cache (NOSCRIPT)', async () => {
    const store = redisStore({ client });
    await client.script('FLUSH');
    const now = Date.now();
    await store.createFamily({ familyId: `nos-${now}`, userId: 'u', currentHash: 'h', createdAt: now, expiresAt: now + 60_000 });
    expect(await store.rotate('u', `nos-${now}`, 'h', { currentHash: 'h2', expiresAt: now + 60_000, usedAt: now })).toMatchObject({ status: 'rotated' });
  });

  it('refuses a family id used twice, unknown options and bad values', async () => {
    const store = redisStore({ client });
    const family = { familyId: `dup-${Date.now()}`, userId: 'u', currentHash: 'h', createdAt: Date.now(), expiresAt: Date.now() + 1000 };
    await store.createFamily(family);
    await expect(store.createFamily({ ...family, currentHash: 'another' })).rejects.toThrow(/exists already/);
    // Redis does not roll back a script that fails halfway: a time it could not store is refused before any runs.
    const odd = { ...family, familyId: `odd-${Date.now()}`, expiresAt: Date.now() + 1000.5 };
    await expect(store.createFamily(odd)).rejects.toThrow('redisStore.createFamily: "expiresAt" must be a whole number of milliseconds');
    expect(await client.exists(`latchkey:u:{u}:fam:${odd.familyId}`)).toBe(0);
    await expect(store.rotate('u', family.familyId, 'h', { currentHash: 'h2', expiresAt: Number.NaN, usedAt: Date.now() })).rejects.toThrow(/"expiresAt"/);
    expect(await store.getFamily('u', family.familyId)).toMatchObject({ currentHash: 'h', generation: 0 });
    await expect(store.revokeUser('u', Date.now(), Date.now() + 0.5)).rejects.toThrow(/"keepUntil"/);
    expect(() => redisStore({ client, keyPrefx: 'a' } as never)).toThrow(/unknown option "keyPrefx"/);
    expect(() => redisStore({ client, commandTimeoutMs: 0 })).toThrow(/"commandTimeoutMs" must be an integer/);
    expect(() => redisStore({} as never)).toThrow(/"client" must be/);
    // An adapter missing a method is refused at start-up by name, not met later as "Redis unavailable" (503).
    const partial = { evalsha: client.evalsha.bind(client), eval: client.eval.bind(client), get: client.get.bind(client) };
    expect(() => redisStore({ client: partial as never })).toThrow('redisStore: "client" must be an ioredis Redis or Cluster (it has no hgetall, exists)');
  });
});

describe('redisStore: a command repeated after a lost reply', () => {
  // ioredis re-sends a command whose reply was lost when the connection dropped: the script runs twice.
  it('answers a repeated rotation with its first outcome, not as reuse that would revoke the session', async () => {
    const store = redisStore({ client, keyPrefix: 'repeat:' });
    const now = Date.now();
    const family = { familyId: 'f', userId: 'alice', currentHash: 'h0', createdAt: now, expiresAt: now + 60_000 };
    await store.createFamily(family);
    await store.createFamily(family); // the same call again: created, by this very call
    const successor = { currentHash: 'h1', expiresAt: now + 60_000, usedAt: now + 1 };
    const first = await store.rotate('alice', 'f', 'h0', successor);
    const repeated = await store.rotate('alice', 'f', 'h0', successor);
    expect([first.status, repeated.status]).toEqual(['rotated', 'rotated']);
    expect(repeated).toEqual(first);
    expect(await store.getFamily('alice', 'f')).toMatchObject({ generation: 1, currentHash: 'h1', revokedAt: undefined });
    // Presenting the spent token in a new call is still reuse.
    expect(await store.rotate('alice', 'f', 'h0', { ...successor, currentHash: 'h2' })).toMatchObject({ status: 'reused' });
  });
});

describe('redisStore: revoked families are bounded per user', () => {
  it("keeps at most maxSessionsPerUser revoked families per user, so one account's login/logout loop cannot fill Redis", async () => {
    const store = redisStore({ client, keyPrefix: 'bound:', maxSessionsPerUser: 3 });
    const now = Date.now();
    const family = (familyId: string, userId: string) => ({ familyId, userId, currentHash: familyId, createdAt: now, expiresAt: now + 60_000 });
    await store.createFamily(family('victim', 'alice'));
    for (let i = 0; i < 200; i += 1) {
      await store.createFamily(family(`flood-${i}`, 'mallory'));
      if (i % 2 === 0) await store.revokeFamily('mallory', `flood-${i}`, 'logout', now + i);
    }
    await store.revokeUser('mallory', now + 500, now + 60_000);
    // Her live sessions (3) were revoked by logout everywhere; at most 3 revoked ones are kept.
    const familyKeys = await client.keys('bound:u:{mallory}:fam:*');
    expect(familyKeys.length).toBeLessThanOrEqual(3);
    expect(await client.zcard('bound:u:{mallory}:revoked')).toBeLessThanOrEqual(3);
    expect(await client.pexpiretime('bound:u:{mallory}:revoked')).toBe(now + 60_000);
    expect(await store.rotate('mallory', 'flood-0', 'flood-0', { currentHash: 'x', expiresAt: now + 60_000, usedAt: now })).toEqual({ status: 'missing' });
    expect(await store.rotate('alice', 'victim', 'victim', { currentHash: 'next', expiresAt: now + 60_000, usedAt: now })).toMatchObject({ status: 'rotated' });
    // A family revoked by reuse is answered with its record, even at the bound.
    const reuse = await store.rotate('alice', 'victim', 'victim', { currentHash: 'again', expiresAt: now + 60_000, usedAt: now });
    expect(reuse).toMatchObject({ status: 'reused', record: { familyId: 'victim', revokedReason: 'reuse' } });
  });
});

describe('redisStore when Redis refuses writes for a while', () => {
  it('is unavailable (503, the call wrote nothing), not a 500, while too few replicas acknowledge writes (NOREPLICAS)', async () => {
    const store = redisStore({ client });
    const now = Date.now();
    await client.config('SET', 'min-replicas-to-write', '1');
    try {
      const family = { familyId: `norepl-${now}`, userId: 'u', currentHash: 'h', createdAt: now, expiresAt: now + 60_000 };
      await expect(store.createFamily(family)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.denyToken(`norepl-${now}`, now + 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(redisReplayStore({ client }).remember(`jkt.norepl-${now}`, 60)).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await client.config('SET', 'min-replicas-to-write', '0');
    }
    expect(await store.getFamily('u', `norepl-${now}`)).toBeUndefined();
  });
});

describe('redisStore on a full Redis (maxmemory, noeviction)', () => {
  it('refuses new revocations with StoreCapacityError (the issuer answers 503) and still reads the old ones', async () => {
    const full = await startRedis(['--maxmemory-policy', 'noeviction']);
    const fullClient = new Redis({ host: '127.0.0.1', port: full.port, enableOfflineQueue: false, lazyConnect: true });
    try {
      await fullClient.connect();
      const store = redisStore({ client: fullClient });
      await store.denyToken('kept', Date.now() + 60_000);
      // Full: a limit below what is already used (1 byte), so every write is refused and reads still work.
      await fullClient.config('SET', 'maxmemory', '1');
      await expect(store.denyToken('new', Date.now() + 60_000)).rejects.toBeInstanceOf(StoreCapacityError);
      await expect(store.revokeUser('u', Date.now(), Date.now() + 60_000)).rejects.toBeInstanceOf(StoreCapacityError);
      // Thrown outside the issuer (a replay store in a resource server), the frameworks answer 503 too.
      await expect(redisReplayStore({ client: fullClient }).remember('jkt.new', 60)).rejects.toMatchObject({
        code: 'store_capacity',
        status: 503,
        statusCode: 503,
        expose: false,
        headers: { 'retry-after': '1' },
      });
      expect(await store.isTokenDenied('kept')).toBe(true);
    } finally {
      fullClient.disconnect();
      await full.dispose();
    }
  });
});
