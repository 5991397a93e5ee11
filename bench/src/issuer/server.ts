/**
 * One refresh server process: `server.ts <contender> <pool.json> <poolSize> [redisPort]`, contender `floor`,
 * `express`, `koa`, `fastify` (memory store) or `express-redis`, `koa-redis`, `fastify-redis` (`redisStore`
 * on the redis-server at 127.0.0.1:`redisPort`). It makes its own ES256 key and `poolSize` logins (one
 * family each, spread over users), writes their refresh tokens to `pool.json`, then prints `{"port":N}`.
 * Every token is refreshed once under load: refresh with rotation spends it.
 *
 * The floor answers `POST /api/token/refresh/` with the same crypto and nothing else: parse the body,
 * verify one ES256 signature, sign two tokens. The issuer servers do that plus everything the issuer does
 * (type and claim checks, the store's compare-and-swap, the user lookup, simplejwt's body). The three
 * frameworks are imported statically (one process loads all three; only one serves).
 */
import { createServer, type IncomingMessage } from 'node:http';
import { generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createIssuer, memoryStore, type IssuerStore } from '@latchkey/issuer';
import { redisStore } from '@latchkey/redis';
import { Redis } from 'ioredis';
import { serveForParent } from '../common/server-process.js';
import { issuerRoutes as expressRoutes } from '@latchkey/issuer/express';
import { issuerRoutes as fastifyRoutes } from '@latchkey/issuer/fastify';
import { issuerRoutes as koaRoutes } from '@latchkey/issuer/koa';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';

const [contender, poolPath, poolSizeText, redisPortText] = process.argv.slice(2);
const poolSize = Number(poolSizeText);
const CONTENDERS = ['floor', 'express', 'koa', 'fastify', 'express-redis', 'koa-redis', 'fastify-redis'];
const framework = contender?.replace(/-redis$/, '');
const onRedis = contender?.endsWith('-redis') === true;
// Logins per user: under both stores' default per-user session bound (100), which revokes the oldest
// sessions of a user past it (one user with the whole pool would see all but the last 100 refused).
const SESSIONS_PER_USER = 50;
// Logins in flight at once while the pool is made (the Redis store waits a round trip per login).
const LOGIN_BATCH = 64;

function readAll(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request
      .setEncoding('utf8')
      .on('data', (chunk: string) => (body += chunk))
      .on('end', () => resolve(body))
      .on('error', reject);
  });
}

function floorToken(key: KeyObject, payload: object): string {
  const input = `${Buffer.from('{"alg":"ES256","typ":"at+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

async function startFloor(privateKey: KeyObject, publicKey: KeyObject): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const pool = Array.from({ length: poolSize }, () =>
    floorToken(privateKey, { token_type: 'refresh', exp: now + 86_400, iat: now, jti: randomBytes(16).toString('hex'), sub: '1' }),
  );
  writeFileSync(poolPath!, JSON.stringify(pool));
  const server = createServer((request, response) => {
    void readAll(request).then((text) => {
      const { refresh } = JSON.parse(text) as { refresh: string };
      const [header, payload, signature] = refresh.split('.');
      const ok = verify('sha256', Buffer.from(`${header}.${payload}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature!, 'base64url'));
      if (!ok) return void response.writeHead(401).end();
      const iat = Math.floor(Date.now() / 1000);
      const access = floorToken(privateKey, { token_type: 'access', exp: iat + 300, iat, jti: randomBytes(16).toString('hex'), sub: '1' });
      const next = floorToken(privateKey, { token_type: 'refresh', exp: iat + 86_400, iat, jti: randomBytes(16).toString('hex'), sub: '1' });
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ access, refresh: next }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The store under test: the memory store, or `redisStore` on one shared ioredis client as its README shows. */
async function makeStore(): Promise<IssuerStore> {
  if (!onRedis) return memoryStore({ maxFamilies: Math.max(100_000, poolSize) });
  const client = new Redis({ host: '127.0.0.1', port: Number(redisPortText), enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
  // With the offline queue off, a command before the connection is up fails: connect before the logins.
  await client.connect();
  return redisStore({ client });
}

async function startIssuer(privateKey: KeyObject): Promise<number> {
  const users = Array.from({ length: Math.ceil(poolSize / SESSIONS_PER_USER) }, (_, index) => ({
    id: String(index + 1),
    username: `user${index + 1}`,
    isActive: true,
  }));
  const byId = new Map(users.map((user) => [user.id, user]));
  const issuer = createIssuer({
    signingKey: privateKey,
    algorithm: 'ES256',
    users: { authenticate: () => null, getUser: (id) => byId.get(id) ?? null },
    rotateRefreshTokens: true,
    store: await makeStore(),
  });
  const pool: string[] = [];
  for (let start = 0; start < poolSize; start += LOGIN_BATCH) {
    const batch = Array.from({ length: Math.min(LOGIN_BATCH, poolSize - start) }, (_, offset) => issuer.issueTokens(users[(start + offset) % users.length]!));
    for (const pair of await Promise.all(batch)) pool.push(pair.refresh);
  }
  writeFileSync(poolPath!, JSON.stringify(pool));
  if (framework === 'express') {
    const app = express();
    app.use(expressRoutes(issuer));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return (server.address() as AddressInfo).port;
  }
  if (framework === 'koa') {
    const app = new Koa();
    app.use(koaRoutes(issuer));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return (server.address() as AddressInfo).port;
  }
  const app = Fastify();
  await app.register(fastifyRoutes, { issuer });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

await serveForParent(async () => {
  if (!CONTENDERS.includes(contender ?? '') || !poolPath || !Number.isInteger(poolSize) || poolSize < 1 || (onRedis && !(Number(redisPortText) > 0))) {
    throw new Error(`usage: server.ts ${CONTENDERS.join('|')} <pool.json> <poolSize> [redisPort, for *-redis]`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { port: contender === 'floor' ? await startFloor(privateKey, publicKey) : await startIssuer(privateKey) };
});
