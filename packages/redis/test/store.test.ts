import { describeStoreContract } from '@latchkey/issuer/contract';
import { describe, expect, it } from 'vitest';
import { redisStore } from '../src/store.js';
import { redisPerFile } from './redis-server.js';

const redis = redisPerFile();

describeStoreContract('redisStore', () => redisStore({ client: redis.client }));

describe('redisStore', () => {
  it('keeps its keys under the prefix, each id in a hash tag, and expires them with the token', async () => {
    const store = redisStore({ client: redis.client, keyPrefix: 'app1:' });
    const expiresAt = Date.now() + 60_000;
    await store.createFamily({ familyId: 'f1', userId: 'u', currentHash: 'h', createdAt: Date.now(), expiresAt });
    await store.denyToken('j1', expiresAt);
    expect(await redis.client.pexpiretime('app1:fam:{f1}')).toBe(expiresAt);
    expect(await redis.client.pexpiretime('app1:deny:{j1}')).toBe(expiresAt);
    expect(await redisStore({ client: redis.client, keyPrefix: 'app2:' }).getFamily('f1')).toBeUndefined();
  });

  it('falls back to EVAL when the server lost its script cache (NOSCRIPT)', async () => {
    const store = redisStore({ client: redis.client });
    await redis.client.script('FLUSH');
    const now = Date.now();
    await store.createFamily({ familyId: `nos-${now}`, userId: 'u', currentHash: 'h', createdAt: now, expiresAt: now + 60_000 });
    expect(await store.rotate(`nos-${now}`, 'h', { currentHash: 'h2', expiresAt: now + 60_000, usedAt: now })).toMatchObject({ status: 'rotated' });
  });

  it('refuses a family id used twice, unknown options and bad values', async () => {
    const store = redisStore({ client: redis.client });
    const family = { familyId: `dup-${Date.now()}`, userId: 'u', currentHash: 'h', createdAt: Date.now(), expiresAt: Date.now() + 1000 };
    await store.createFamily(family);
    await expect(store.createFamily(family)).rejects.toThrow(/exists already/);
    expect(() => redisStore({ client: redis.client, keyPrefx: 'a' } as never)).toThrow(/unknown option "keyPrefx"/);
    expect(() => redisStore({ client: redis.client, commandTimeoutMs: 0 })).toThrow(/"commandTimeoutMs" must be an integer/);
    expect(() => redisStore({} as never)).toThrow(/"client" must be/);
  });
});
