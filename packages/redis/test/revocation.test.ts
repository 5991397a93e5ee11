import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisRevocationCheck } from '../src/revocation.js';
import { redisStore } from '../src/store.js';
import { startRedis, type RedisProcess } from './redis-server.js';

let server: RedisProcess;
let client: Redis;
let subscriber: Redis;

beforeAll(async () => {
  server = await startRedis();
  client = new Redis({ host: '127.0.0.1', port: server.port, enableOfflineQueue: false, lazyConnect: true });
  subscriber = new Redis({ host: '127.0.0.1', port: server.port }); // offline queue on: it subscribes once connected
  await client.connect();
});
afterAll(async () => {
  client.disconnect();
  subscriber.disconnect();
  await server.dispose();
});

describe('redisRevocationCheck', () => {
  it('sees a denylisted jti and a revoked family, invalidating its cached answer by pub/sub', async () => {
    const store = redisStore({ client });
    const check = redisRevocationCheck({ client, subscriber, cacheTtlMs: 60_000 });
    await check.ready();
    const now = Date.now();
    await store.createFamily({ familyId: 'fam-a', userId: 'u', currentHash: 'h', createdAt: now, expiresAt: now + 60_000 });
    expect(await check.isRevoked({ jti: 'j-a', sub: 'u', fam: 'fam-a' })).toBe(false);
    await store.revokeFamily('u', 'fam-a', 'logout', now);
    // The cached "not revoked" (60 s TTL) was overwritten by the message, not by expiry.
    // Seen through the pub/sub message (the cached answer's TTL is 60 s); polled, not slept, on a busy machine.
    await expect.poll(() => check.isRevoked({ jti: 'j-a', sub: 'u', fam: 'fam-a' }), { timeout: 2000, interval: 10 }).toBe(true);
    expect(await check.isRevoked({ jti: 'j-b' })).toBe(false);
    await store.denyToken('j-b', now + 60_000);
    // Seen through the pub/sub message (the cached answer's TTL is 60 s); polled, not slept, on a busy machine.
    await expect.poll(() => check.isRevoked({ jti: 'j-b' }), { timeout: 2000, interval: 10 }).toBe(true);
    await check.close();
  });

  it('sees logout everywhere (the user epoch) by pub/sub, and a session Redis no longer has as revoked', async () => {
    const store = redisStore({ client });
    const check = redisRevocationCheck({ client, subscriber, cacheTtlMs: 60_000 });
    await check.ready();
    const now = Date.now();
    await store.createFamily({ familyId: 'fam-v', userId: 'v:1', currentHash: 'h', createdAt: now - 10, expiresAt: now + 60_000 });
    const token = { jti: 'j-v', sub: 'v:1', fam: 'fam-v' };
    expect(await check.isRevoked(token)).toBe(false);
    await store.revokeUser('v:1', now, now + 60_000);
    // Seen through the pub/sub message (the cached answer's TTL is 60 s); polled, not slept, on a busy machine.
    await expect.poll(() => check.isRevoked(token), { timeout: 2000, interval: 10 }).toBe(true);
    expect(await check.isRevoked({ jti: 'j-w', sub: 'v:1', fam: 'never-created' })).toBe(true);
    // Not one of the issuer's session tokens (no fam): only the denylist applies.
    expect(await check.isRevoked({ jti: 'j-x', sub: 'v:1' })).toBe(false);
    await check.close();
  });

  it('answers by the configured policy when Redis cannot answer: revoked by default, not-revoked on request', async () => {
    const dead = new Redis({ host: '127.0.0.1', port: 1, enableOfflineQueue: false, lazyConnect: true });
    const offline = { subscribe: async () => undefined, unsubscribe: async () => undefined, on: () => undefined };
    expect(await redisRevocationCheck({ client: dead, subscriber: offline }).isRevoked({ jti: 'x' })).toBe(true);
    expect(await redisRevocationCheck({ client: dead, subscriber: offline, whenUnavailable: 'not-revoked' }).isRevoked({ jti: 'x' })).toBe(false);
    expect(() => redisRevocationCheck({ client: dead, subscriber: offline, cacheTtl: 5 } as never)).toThrow(/unknown option "cacheTtl"/);
    expect(() => redisRevocationCheck({ client: dead, subscriber: offline, whenUnavailable: 'maybe' as never })).toThrow(/"whenUnavailable"/);
    // A claim name that is never present would skip the denylist without a word.
    expect(() => redisRevocationCheck({ client: dead, subscriber: offline, jtiClaim: '' })).toThrow(/"jtiClaim" must be a non-empty claim name/);
    expect(() => redisRevocationCheck({ client: dead, subscriber: offline, jtiClaim: 42 as never })).toThrow(/"jtiClaim"/);
    expect(() => redisRevocationCheck({ client: dead, subscriber: offline, commandTimeoutMs: 2 ** 31 })).toThrow(/≤ 2147483647/);
    // The cache reserves its index up front: a mistyped size must not take the heap at start-up.
    expect(() => redisRevocationCheck({ client: dead, subscriber: offline, cacheMaxEntries: 1e7 })).toThrow(
      /"cacheMaxEntries" must be an integer ≥ 1 and ≤ 1000000/,
    );
    dead.disconnect();
  });

  it('neither start-up nor shutdown waits on a subscriber whose Redis is down: ready() rejects and close() returns within commandTimeoutMs', async () => {
    const gone = await startRedis();
    await gone.kill();
    // The README's subscriber: offline queue on, and the client's own generous retries.
    const waiting = new Redis({ host: '127.0.0.1', port: gone.port, retryStrategy: () => 50 });
    waiting.on('error', () => undefined);
    const dead = new Redis({ host: '127.0.0.1', port: gone.port, enableOfflineQueue: false, lazyConnect: true });
    try {
      const check = redisRevocationCheck({ client: dead, subscriber: waiting, commandTimeoutMs: 300 });
      const started = performance.now();
      await expect(check.ready()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
      await check.close();
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      waiting.disconnect();
      dead.disconnect();
      await gone.dispose();
    }
  });

  it('subscribes once Redis is back when it was down at start-up, so invalidation does not stay off', async () => {
    const late = await startRedis();
    await late.kill();
    const options = { host: '127.0.0.1', port: late.port, maxRetriesPerRequest: 1, retryStrategy: () => 50 };
    const lateClient = new Redis({ ...options, enableOfflineQueue: false });
    const lateSubscriber = new Redis(options); // offline queue on, as the README asks of the subscriber
    for (const connection of [lateClient, lateSubscriber]) connection.on('error', () => undefined);
    try {
      const check = redisRevocationCheck({ client: lateClient, subscriber: lateSubscriber, cacheTtlMs: 60_000 });
      await expect(check.ready()).rejects.toThrow();
      await late.start();
      await expect
        .poll(
          () =>
            check.ready().then(
              () => 'subscribed',
              () => 'not yet',
            ),
          { timeout: 10_000, interval: 50 },
        )
        .toBe('subscribed');
      await expect.poll(() => lateClient.status, { timeout: 10_000, interval: 50 }).toBe('ready');
      expect(await check.isRevoked({ jti: 'j-late' })).toBe(false); // cached for 60 s
      await redisStore({ client: lateClient }).denyToken('j-late', Date.now() + 60_000);
      // Seen through the pub/sub message, not the cache's expiry; polled, not slept, on a busy machine.
      await expect.poll(() => check.isRevoked({ jti: 'j-late' }), { timeout: 2000, interval: 10 }).toBe(true);
      await check.close();
    } finally {
      lateClient.disconnect();
      lateSubscriber.disconnect();
      await late.dispose();
    }
  }, 30_000);
});
