/**
 * One refresh server process: `server.ts <contender> <pool.json> <poolSize>`, contender `floor`, `express`,
 * `koa` or `fastify`. It makes its own ES256 key and `poolSize` logins (one family each), writes their
 * refresh tokens to `pool.json`, then prints `{"port":N}`. Every token is refreshed once under load:
 * refresh with rotation spends it.
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
import { createIssuer, memoryStore } from '@latchkey/issuer';
import { serveForParent } from '../common/server-process.js';
import { issuerRoutes as expressRoutes } from '@latchkey/issuer/express';
import { issuerRoutes as fastifyRoutes } from '@latchkey/issuer/fastify';
import { issuerRoutes as koaRoutes } from '@latchkey/issuer/koa';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';

const [contender, poolPath, poolSizeText] = process.argv.slice(2);
const poolSize = Number(poolSizeText);

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

async function startIssuer(privateKey: KeyObject): Promise<number> {
  const user = { id: '1', username: 'alice', isActive: true };
  const issuer = createIssuer({
    signingKey: privateKey,
    algorithm: 'ES256',
    users: { authenticate: () => null, getUser: (id) => (id === '1' ? user : null) },
    rotateRefreshTokens: true,
    store: memoryStore({ maxFamilies: Math.max(100_000, poolSize) }),
  });
  const pool: string[] = [];
  for (let index = 0; index < poolSize; index++) pool.push((await issuer.issueTokens(user)).refresh);
  writeFileSync(poolPath!, JSON.stringify(pool));
  if (contender === 'express') {
    const app = express();
    app.use(expressRoutes(issuer));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return (server.address() as AddressInfo).port;
  }
  if (contender === 'koa') {
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
  if (!['floor', 'express', 'koa', 'fastify'].includes(contender ?? '') || !poolPath || !Number.isInteger(poolSize) || poolSize < 1) {
    throw new Error('usage: server.ts floor|express|koa|fastify <pool.json> <poolSize>');
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { port: contender === 'floor' ? await startFloor(privateKey, publicKey) : await startIssuer(privateKey) };
});
