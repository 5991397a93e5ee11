/**
 * The Redis DPoP replay store: the shared contract against a real redis-server, and one proof refused
 * across two resource-server processes sharing that Redis.
 */
import * as dpop from 'dpop';
import { generateKeyPairSync, sign } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeReplayStoreContract } from '@latchkey/conformance';
import { redisReplayStore } from '../src/index.js';
import { startInstance, type Instance } from './instances.js';
import { startRedis, type RedisProcess } from './redis-server.js';

let redis: RedisProcess;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis({ host: '127.0.0.1', port: redis.port, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  await client.ping().catch(async () => new Promise((resolve) => client.once('ready', resolve)));
}, 20_000);
afterAll(async () => {
  client?.disconnect();
  await redis?.dispose();
});

let prefix = 0;
// A fresh prefix per test: the contract's identifiers repeat across tests.
describeReplayStoreContract('redisReplayStore', () => redisReplayStore({ client, keyPrefix: `contract${prefix++}:` }));

describe('redisReplayStore', () => {
  it('stores one short, expiring key per identifier (SET NX PX)', async () => {
    const store = redisReplayStore({ client, keyPrefix: 'shape:' });
    expect(await store.remember(`jkt.${'x'.repeat(300)}`, 120)).toBe(true);
    const [key] = await client.keys('shape:*');
    expect(key).toMatch(/^shape:dpop:[\w-]{43}$/);
    expect(await client.pttl(key!)).toBeGreaterThan(119_000);
  });

  it('fails as unavailable (never "fresh") when Redis does not answer', async () => {
    const dead = new Redis({ host: '127.0.0.1', port: 1, enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    dead.on('error', () => undefined);
    await expect(redisReplayStore({ client: dead, commandTimeoutMs: 200 }).remember('a', 60)).rejects.toMatchObject({ name: 'StoreUnavailableError' });
    dead.disconnect();
  });

  it('refuses unknown options and a client without set()', () => {
    expect(() => redisReplayStore({ client, keyprefix: 'x' } as never)).toThrow(/did you mean "keyPrefix"/);
    expect(() => redisReplayStore({ client: {} as never })).toThrow(/ioredis/);
  });
});

describe('two resource-server processes sharing one Redis', () => {
  let one: Instance;
  let two: Instance;
  const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

  beforeAll(async () => {
    const env = { PUBLIC_KEY: signer.publicKey.export({ format: 'pem', type: 'spki' }).toString() };
    [one, two] = await Promise.all([startInstance(redis.port, 'dpop-instance.ts', env), startInstance(redis.port, 'dpop-instance.ts', env)]);
  }, 40_000);
  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
  });

  it('accepts a proof on one instance and refuses its replay on the other', async () => {
    const keyPair = await dpop.generateKeyPair('ES256');
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg: 'ES256', typ: 'at+jwt' })}.${b64({ iss: 'https://idp.test', aud: 'https://api.test', sub: 'alice', iat: now, exp: now + 300, cnf: { jkt: await dpop.calculateThumbprint(keyPair.publicKey) } })}`;
    const token = `${input}.${sign('sha256', Buffer.from(input), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    const proof = await dpop.generateProof(keyPair, 'https://api.test/orders', 'GET', undefined, token);
    const call = (instance: Instance) => fetch(`${instance.url}/orders`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    const first = await call(one);
    expect(first.status, await first.text()).toBe(200);
    const replay = await call(two);
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toMatch(/DPoP error="invalid_dpop_proof", error_description="DPoP proof jti was already used"/);
    // A fresh proof from the same key passes on the other instance.
    const fresh = await fetch(`${two.url}/orders`, {
      headers: { authorization: `DPoP ${token}`, dpop: await dpop.generateProof(keyPair, 'https://api.test/orders', 'GET', undefined, token) },
    });
    expect(fresh.status).toBe(200);
  });

  it('lets exactly one of 20 concurrent uses of one proof through, across both instances', async () => {
    const keyPair = await dpop.generateKeyPair('ES256');
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg: 'ES256' })}.${b64({ iss: 'https://idp.test', aud: 'https://api.test', sub: 'bob', iat: now, exp: now + 300, cnf: { jkt: await dpop.calculateThumbprint(keyPair.publicKey) } })}`;
    const token = `${input}.${sign('sha256', Buffer.from(input), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    const proof = await dpop.generateProof(keyPair, 'https://api.test/orders', 'GET', undefined, token);
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        fetch(`${(index % 2 === 0 ? one : two).url}/orders`, { headers: { authorization: `DPoP ${token}`, dpop: proof } }).then((response) => response.status),
      ),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(19);
  });
});
