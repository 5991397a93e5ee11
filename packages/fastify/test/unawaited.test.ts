import Fastify from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, staticKeys, type Verifier } from '@latchkey/core';
import { createTokenFactory, generateSigningKey, type TokenFactory } from '@latchkey/testing';
import latchkey, { authenticate, requireScopes } from '@latchkey/fastify';

const issuer = 'https://idp.example.test/';
const audience = 'https://api.example.test';
let tokens: TokenFactory;
let verifier: Verifier;
const started: Array<{ close: () => Promise<unknown> }> = [];

beforeAll(async () => {
  const key = await generateSigningKey('ES256');
  tokens = createTokenFactory({ issuer, audience, key, defaults: { scope: 'read:items' } });
  verifier = createVerifier({ keys: staticKeys({ keys: [key.publicJwk] }), algorithms: ['ES256'], issuer, audience });
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.close()));
});

/** The bug: register not awaited, routes declared before the plugin loaded. */
function unawaited() {
  const app = Fastify();
  started.push(app);
  void app.register(latchkey, { verifier });
  app.get('/admin', { config: { auth: { rules: [requireScopes('admin')] } } }, async (request) => request.auth?.payload.sub ?? 'none');
  app.get('/me', { config: { auth: true } }, async (request) => request.auth?.payload.sub ?? 'none');
  app.get('/public', async (request) => ({ unauthenticated: request.auth === undefined }));
  return app;
}

describe('app.register(latchkey) not awaited, routes declared right after', () => {
  it('still refuses requests without a token (inject): 401, and enforces the rules: 403', async () => {
    const app = unawaited();
    const missing = await app.inject({ url: '/admin' });
    expect([missing.statusCode, missing.headers['www-authenticate']]).toEqual([401, 'Bearer']);
    expect((await app.inject({ url: '/admin', headers: { authorization: `Bearer ${await tokens.sign()}` } })).statusCode).toBe(403);
    const admin = await app.inject({ url: '/admin', headers: { authorization: `Bearer ${await tokens.sign({ sub: 'root', scope: 'admin' })}` } });
    expect([admin.statusCode, admin.body]).toEqual([200, 'root']);
    expect((await app.inject({ url: '/me' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/public' })).json()).toEqual({ unauthenticated: true });
  });

  it('still refuses requests without a token over real HTTP on 127.0.0.1', async () => {
    const app = unawaited();
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const missing = await fetch(`${address}/admin`);
    expect([missing.status, missing.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    const bad = await fetch(`${address}/me`, { headers: { authorization: 'Bearer not.a.token' } });
    expect(bad.status).toBe(401);
    const me = await fetch(`${address}/me`, { headers: { authorization: `Bearer ${await tokens.sign({ sub: 'alice' })}` } });
    expect([me.status, await me.text()]).toEqual([200, 'alice']);
  });

  it('covers routes of child contexts declared before the plugin loaded', async () => {
    const app = Fastify();
    started.push(app);
    void app.register(latchkey, { verifier });
    void app.register(async (child) => {
      child.get('/child', { config: { auth: true } }, async () => 'child');
    });
    expect((await app.inject({ url: '/child' })).statusCode).toBe(401);
  });

  it('verifies once per request on correctly wired routes (the fallback does not run twice)', async () => {
    let calls = 0;
    const app = Fastify();
    started.push(app);
    await app.register(latchkey, { verifier: { warm: () => verifier.warm(), verify: (token: string) => (calls++, verifier.verify(token)) } });
    app.get('/me', { config: { auth: true } }, async (request) => request.auth?.payload.sub);
    await app.inject({ url: '/me', headers: { authorization: `Bearer ${await tokens.sign({ sub: 'a' })}` } });
    expect(calls).toBe(1);
  });
});

describe('a hand-wired authenticate() beside a late-wired route', () => {
  it("does not stand in for the route's own config.auth: its rules and optional still apply", async () => {
    const app = Fastify();
    started.push(app);
    app.addHook('onRequest', authenticate({ verifier, optional: true }));
    void app.register(latchkey, { verifier });
    app.get('/admin', { config: { auth: { rules: [requireScopes('admin')] } } }, async (request) => request.auth?.payload.sub ?? 'none');
    expect((await app.inject({ url: '/admin' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/admin', headers: { authorization: `Bearer ${await tokens.sign()}` } })).statusCode).toBe(403);
    const admin = await app.inject({ url: '/admin', headers: { authorization: `Bearer ${await tokens.sign({ sub: 'root', scope: 'admin' })}` } });
    expect([admin.statusCode, admin.body]).toEqual([200, 'root']);
  });
});

describe('the fallback costs nothing where it is not needed', () => {
  it('adds no preHandler when the plugin is registered (awaited) before any route', async () => {
    const app = Fastify();
    started.push(app);
    await app.register(latchkey, { verifier });
    app.get('/me', { config: { auth: true } }, async (request) => request.auth?.payload.sub);
    await app.ready();
    expect(app.printRoutes({ includeHooks: true })).not.toContain('preHandler');
    expect((await app.inject({ url: '/me' })).statusCode).toBe(401);
  });

  it('adds it when routes were declared before the plugin ran', async () => {
    const app = unawaited();
    await app.ready();
    expect(app.printRoutes({ includeHooks: true })).toContain('preHandler');
  });

  it('adds it, and enforces config.auth, for a route declared before an awaited register', async () => {
    const app = Fastify();
    started.push(app);
    app.get('/early', { config: { auth: { rules: [requireScopes('admin')] } } }, async () => 'early');
    await app.register(latchkey, { verifier });
    app.get('/later', { config: { auth: true } }, async (request) => request.auth?.payload.sub);
    await app.ready();
    expect(app.printRoutes({ includeHooks: true })).toContain('preHandler');
    expect((await app.inject({ url: '/early' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/early', headers: { authorization: `Bearer ${await tokens.sign()}` } })).statusCode).toBe(403);
    const later = await app.inject({ url: '/later', headers: { authorization: `Bearer ${await tokens.sign({ sub: 'bob' })}` } });
    expect([later.statusCode, later.body]).toEqual([200, 'bob']);
  });

  it('adds none in a child context registered (awaited) before its routes', async () => {
    const app = Fastify();
    started.push(app);
    await app.register(async (child) => {
      await child.register(latchkey, { verifier });
      child.get('/child', { config: { auth: true } }, async () => 'child');
    });
    await app.ready();
    expect(app.printRoutes({ includeHooks: true })).not.toContain('preHandler');
    expect((await app.inject({ url: '/child' })).statusCode).toBe(401);
  });
});
