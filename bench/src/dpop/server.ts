/**
 * One DPoP server process: `server.ts <contender> <fixture.json>`. `floor` is node:http doing the two
 * signature checks (token and proof, prebuilt KeyObjects, no parsing); the others are Latchkey's adapters
 * with `dpop` on (memory replay store), with the verified-token cache (default) or without (`-uncached`).
 * Prints `{"port":N}` (see common/server-process.ts).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { createMemoryReplayStore, createVerifier, staticKeys, type Verifier } from '@latchkey/core';
import { authenticate as expressAuthenticate, authErrorHandler as expressErrors } from '@latchkey/express';
import { latchkey as fastifyPlugin, authErrorHandler as fastifyErrors } from '@latchkey/fastify';
import { authenticate as koaAuthenticate, authErrorHandler as koaErrors } from '@latchkey/koa';
import { serveForParent } from '../common/server-process.js';
import { AUDIENCE, IAT_WINDOW_SECONDS, ISSUER, PUBLIC_URL, type DpopServerFixture } from './proofs.js';

const [contender, fixturePath] = process.argv.slice(2);
const BODY = JSON.stringify({ ok: true });

function listen(server: ReturnType<typeof createServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The floor's check of one compact JWS: the signature over its signing input, nothing else. */
function signatureHolds(jws: string | undefined, key: KeyObject): boolean {
  if (jws === undefined) return false;
  const dot = jws.lastIndexOf('.');
  if (dot < 0) return false;
  try {
    return verify('sha256', Buffer.from(jws.slice(0, dot)), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(jws.slice(dot + 1), 'base64url'));
  } catch {
    return false;
  }
}

function floor(fixture: DpopServerFixture): Promise<number> {
  const accessKey = createPublicKey(fixture.accessKeyPem);
  const clientKey = createPublicKey({ key: fixture.clientJwk as never, format: 'jwk' });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const authorization = req.headers.authorization;
    const dpop = req.headers.dpop;
    const ok =
      authorization?.startsWith('DPoP ') === true &&
      typeof dpop === 'string' &&
      signatureHolds(authorization.slice(5), accessKey) &&
      signatureHolds(dpop, clientKey);
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? BODY : '{"error":"invalid_token"}');
  });
  return listen(server);
}

async function latchkey(framework: string, verifier: Verifier, replayStoreEntries: number): Promise<number> {
  const dpop = { publicUrl: PUBLIC_URL, iatWindowSeconds: IAT_WINDOW_SECONDS, replayStore: createMemoryReplayStore(replayStoreEntries) };
  if (framework === 'express') {
    const app = express();
    app.get('/hello', expressAuthenticate({ verifier, dpop }), (_req, res) => void res.json({ ok: true }));
    app.use(expressErrors());
    return listen(createServer(app));
  }
  if (framework === 'koa') {
    const app = new Koa();
    app.use(koaErrors());
    app.use(koaAuthenticate({ verifier, dpop }));
    app.use((ctx) => {
      ctx.body = { ok: true };
    });
    return listen(createServer(app.callback() as (req: IncomingMessage, res: ServerResponse) => void));
  }
  if (framework === 'fastify') {
    const app = Fastify({ logger: false });
    app.setErrorHandler(fastifyErrors());
    await app.register(async (scope) => {
      await scope.register(fastifyPlugin, { verifier, dpop });
      scope.get('/hello', { config: { auth: true } }, async () => ({ ok: true }));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return (app.server.address() as AddressInfo).port;
  }
  throw new Error(`unknown dpop contender ${contender}`);
}

await serveForParent(async () => {
  if (!contender || !fixturePath) throw new Error('usage: server.ts <contender> <fixture.json>');
  const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as DpopServerFixture;
  if (contender === 'floor') return { port: await floor(fixture) };
  const [framework, variant] = contender.split('-');
  const verifier = createVerifier({
    keys: staticKeys(fixture.accessKeyPem),
    algorithms: ['ES256'],
    issuer: ISSUER,
    audience: AUDIENCE,
    tokenCache: variant !== 'uncached',
  });
  return { port: await latchkey(framework!, verifier, fixture.replayStoreEntries) };
});
