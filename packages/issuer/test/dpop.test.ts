/**
 * DPoP at the token endpoints (RFC 9449 §5), over real HTTP: a login or refresh with a proof (made by the
 * independent `dpop` client library) gets tokens bound to its key; a bound refresh token refreshes only
 * with a proof from that key; a resource server with the Express adapter's `dpop` accepts the bound access
 * token with a proof and refuses it as Bearer.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as dpop from 'dpop';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { authErrorHandler, authenticate } from '@latchkey/express';
import { latchkey as fastifyLatchkey } from '@latchkey/fastify';
import { authErrorHandler as koaErrors, authenticate as koaAuth } from '@latchkey/koa';
import { createMemoryReplayStore } from '@latchkey/core';
import { describe, expect, it } from 'vitest';
import { createIssuer } from '../src/issuer.js';
import { SESSION_PATHS } from '../src/options.js';
import { StoreUnavailableError } from '../src/store/errors.js';
import { listen, type Mounted } from './frameworks.js';
import { decode, issuerPerTest, login, send, SECRET, testUsers } from './helpers.js';

const PUBLIC_URL = 'https://auth.example.test';
const start = issuerPerTest();
const credentials = { username: 'alice', password: 'wonderland' };

async function withProof(url: string, path: string, body: unknown, key: dpop.KeyPair, nonce?: string) {
  return send(`${url}${path}`, { body, headers: { dpop: await dpop.generateProof(key, `${PUBLIC_URL}${path}`, 'POST', nonce) } });
}

describe('DPoP-bound tokens from the issuer', () => {
  it('binds the pair of a login that carries a proof, and refreshes it only with a proof from that key', async () => {
    const { url } = await start({ dpop: { publicUrl: PUBLIC_URL }, rotateRefreshTokens: true });
    const key = await dpop.generateKeyPair('ES256');
    const jkt = await dpop.calculateThumbprint(key.publicKey);
    const loggedIn = await withProof(url, '/api/token/', credentials, key);
    expect(loggedIn.status, loggedIn.text).toBe(200);
    const pair = loggedIn.body as { access: string; refresh: string };
    expect(decode(pair.access).payload.cnf).toEqual({ jkt });
    expect(decode(pair.refresh).payload.cnf).toEqual({ jkt });

    // A stolen refresh token: without the key it is useless.
    const bare = await send(`${url}/api/token/refresh/`, { body: { refresh: pair.refresh } });
    expect([bare.status, bare.body]).toEqual([
      400,
      { error: 'invalid_dpop_proof', error_description: 'the refresh token is DPoP-bound: a DPoP proof from its key is required' },
    ]);
    const thief = await withProof(url, '/api/token/refresh/', { refresh: pair.refresh }, await dpop.generateKeyPair('ES256'));
    expect([thief.status, (thief.body as { error_description: string }).error_description]).toEqual([400, 'DPoP proof key does not match the token cnf.jkt']);

    const refreshed = await withProof(url, '/api/token/refresh/', { refresh: pair.refresh }, key);
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(decode((refreshed.body as { access: string }).access).payload.cnf).toEqual({ jkt });
  });

  it('refuses a replayed proof, a proof for another endpoint, and asks for a nonce when configured', async () => {
    const { url } = await start({ dpop: { publicUrl: PUBLIC_URL, nonce: true } });
    const key = await dpop.generateKeyPair('ES256');
    const first = await withProof(url, '/api/token/', credentials, key);
    expect(first.status).toBe(400);
    expect(first.body).toEqual({ error: 'use_dpop_nonce', error_description: 'the DPoP proof must carry the server nonce' });
    const nonce = first.headers.get('dpop-nonce')!;
    const proof = await dpop.generateProof(key, `${PUBLIC_URL}/api/token/`, 'POST', nonce);
    expect((await send(`${url}/api/token/`, { body: credentials, headers: { dpop: proof } })).status).toBe(200);
    const replay = await send(`${url}/api/token/`, { body: credentials, headers: { dpop: proof } });
    expect([replay.status, (replay.body as { error_description: string }).error_description]).toEqual([400, 'DPoP proof jti was already used']);
    const elsewhere = await send(`${url}/api/token/`, {
      body: credentials,
      headers: { dpop: await dpop.generateProof(key, `${PUBLIC_URL}/api/token/refresh/`, 'POST', nonce) },
    });
    expect((elsewhere.body as { error_description: string }).error_description).toBe('DPoP proof htu does not match the request URL');
  });

  it('issues unbound tokens without a proof, refuses a proof it is not configured for, and lets no claims hook set cnf', async () => {
    const { url } = await start({ dpop: { publicUrl: PUBLIC_URL }, claims: () => ({ cnf: { jkt: 'forged' } }) });
    expect(decode((await login(url)).access).payload.cnf).toBeUndefined();
    const plain = await start();
    const answer = await withProof(plain.url, '/api/token/', credentials, await dpop.generateKeyPair('ES256'));
    expect([answer.status, answer.body]).toEqual([400, { error: 'invalid_dpop_proof', error_description: 'DPoP is not enabled on this issuer' }]);
  });

  it('hands out access tokens a resource server accepts with DPoP and refuses as Bearer', async () => {
    const users = await testUsers();
    const issuer = createIssuer({ signingKey: SECRET, users, dpop: { publicUrl: PUBLIC_URL } });
    const app = express();
    const { issuerRoutes } = await import('../src/express.js');
    app.use(issuerRoutes(issuer));
    app.get(
      '/api/me',
      authenticate({ verifier: issuer.verifier(), dpop: { publicUrl: PUBLIC_URL } }),
      (req, res) => void res.json({ sub: req.auth!.payload.sub }),
    );
    app.use(authErrorHandler());
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const key = await dpop.generateKeyPair('ES256');
      const { access } = (await withProof(url, '/api/token/', credentials, key)).body as { access: string };
      const ok = await fetch(`${url}/api/me`, {
        headers: { authorization: `DPoP ${access}`, dpop: await dpop.generateProof(key, `${PUBLIC_URL}/api/me`, 'GET', undefined, access) },
      });
      expect([ok.status, await ok.json()]).toEqual([200, { sub: '1' }]);
      const asBearer = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${access}` } });
      expect(asBearer.status).toBe(401);
      expect(asBearer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="the token is DPoP-bound/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('lets a DPoP client list its sessions and log out everywhere with its bound access token, never as Bearer', async () => {
    const { url } = await start({ dpop: { publicUrl: PUBLIC_URL }, paths: { ...SESSION_PATHS } });
    const [sessions, logoutAll] = ['/api/token/sessions/', '/api/token/logout-all/'];
    expect([SESSION_PATHS.sessions, SESSION_PATHS.logoutAll]).toEqual([sessions, logoutAll]);
    const key = await dpop.generateKeyPair('ES256');
    const { access } = (await withProof(url, '/api/token/', credentials, key)).body as { access: string };
    const bound = async (method: 'GET' | 'POST', path: string) =>
      fetch(`${url}${path}`, {
        method,
        headers: { authorization: `DPoP ${access}`, dpop: await dpop.generateProof(key, `${PUBLIC_URL}${path}`, method, undefined, access) },
      });
    const listed = await bound('GET', sessions);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { sessions: Array<{ current: boolean }> }).sessions).toMatchObject([{ current: true }]);
    const asBearer = await fetch(`${url}${sessions}`, { headers: { authorization: `Bearer ${access}` } });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/the token is DPoP-bound/);
    // A proof made for another route does not open this one.
    const elsewhere = await fetch(`${url}${logoutAll}`, {
      method: 'POST',
      headers: { authorization: `DPoP ${access}`, dpop: await dpop.generateProof(key, `${PUBLIC_URL}${sessions}`, 'POST', undefined, access) },
    });
    expect(elsewhere.status).toBe(401);
    expect((await bound('POST', logoutAll)).status).toBe(200);
    // Logged out everywhere: the access token is revoked on the session routes too.
    expect((await bound('GET', sessions)).status).toBe(401);
  });

  it("answers 503 with Retry-After, not 500, on each framework's own error handling when a shared replay store is down", async () => {
    const { url, issuer } = await start({ dpop: { publicUrl: PUBLIC_URL } });
    const key = await dpop.generateKeyPair('ES256');
    const { access } = (await withProof(url, '/api/token/', credentials, key)).body as { access: string };
    // What @latchkey/redis's replay store throws when Redis does not answer.
    const replayStore = { remember: async (): Promise<boolean> => Promise.reject(new StoreUnavailableError('redis did not answer within 1000 ms')) };
    const options = { verifier: issuer.verifier(), dpop: { publicUrl: PUBLIC_URL, replayStore } };
    const servers: Record<string, () => Promise<Mounted>> = {
      express: () => {
        const app = express();
        app.get('/api/me', authenticate(options), (req, res) => void res.json({ sub: req.auth!.payload.sub }));
        app.use(authErrorHandler());
        return listen(app.listen(0, '127.0.0.1'));
      },
      koa: () => {
        const app = new Koa();
        app.silent = true;
        app.use(koaErrors());
        app.use(koaAuth(options));
        return listen(app.listen(0, '127.0.0.1'));
      },
      fastify: async () => {
        const app = Fastify();
        await app.register(fastifyLatchkey, options);
        app.get('/api/me', { config: { auth: true } }, (request) => ({ sub: request.auth!.payload.sub }));
        await app.listen({ port: 0, host: '127.0.0.1' });
        return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
      },
    };
    for (const [name, serve] of Object.entries(servers)) {
      const api = await serve();
      try {
        const answer = await fetch(`${api.url}/api/me`, {
          headers: { authorization: `DPoP ${access}`, dpop: await dpop.generateProof(key, `${PUBLIC_URL}/api/me`, 'GET', undefined, access) },
        });
        expect([name, answer.status, answer.headers.get('retry-after')]).toEqual([name, 503, '1']);
      } finally {
        await api.close();
      }
    }
  });

  it('answers 503 with Retry-After at the token endpoint when its memory replay store is full of live proofs', async () => {
    const { url } = await start({ dpop: { publicUrl: PUBLIC_URL, replayStore: createMemoryReplayStore(1) } });
    const key = await dpop.generateKeyPair('ES256');
    expect((await withProof(url, '/api/token/', credentials, key)).status).toBe(200);
    const full = await withProof(url, '/api/token/', credentials, key);
    expect(full.status, full.text).toBe(503);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('refuses DPoP options it cannot honour at start-up', async () => {
    const users = await testUsers();
    expect(() => createIssuer({ signingKey: SECRET, users, dpop: { publicUrl: PUBLIC_URL }, tokenStyle: 'sliding' })).toThrow(/tokenStyle "pair"/);
    expect(() => createIssuer({ signingKey: SECRET, users, dpop: { publicUrl: PUBLIC_URL, mode: 'required' } as never })).toThrow(/no "mode"/);
    expect(() => createIssuer({ signingKey: SECRET, users, dpop: { publicUrl: PUBLIC_URL, algoritms: [] } as never })).toThrow(/did you mean "algorithms"/);
    expect(() => createIssuer({ signingKey: SECRET, users, dpop: {} as never })).toThrow(/publicUrl/);
  });
});
