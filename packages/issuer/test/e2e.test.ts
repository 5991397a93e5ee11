/**
 * End to end, as a simplejwt client drives it, over real HTTP, against the Express, Koa and Fastify mounts
 * with a protected route from each framework's @latchkey adapter verifying through `issuer.verifier()`.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createIssuer } from '../src/issuer.js';
import { issuerRoutes as expressRoutes } from '../src/express.js';
import { issuerRoutes as fastifyRoutes } from '../src/fastify.js';
import { issuerRoutes as koaRoutes } from '../src/koa.js';
import type { MemoryUser } from '../src/users/memory-users.js';
import { FRAMEWORKS, listen } from './frameworks.js';
import { SECRET, send, testUsers } from './helpers.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

describe.each(Object.entries(FRAMEWORKS))('%s', (name, startFramework) => {
  async function start(): Promise<string> {
    const issuer = createIssuer<MemoryUser>({ signingKey: SECRET, users: await testUsers(), rotateRefreshTokens: true });
    const { url, close } = await startFramework(issuer, issuer.verifier());
    stops.push(close);
    return url;
  }

  it('login, call the API, refresh, replay the old refresh token (family revoked), blacklist', async () => {
    const url = await start();
    const login = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' } });
    expect(login.status).toBe(200);
    const { access, refresh } = login.body as { access: string; refresh: string };
    const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${access}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ user: '1' });
    // A refresh token is never an access token, in any adapter.
    expect((await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${refresh}` } })).status).toBe(401);

    const refreshed = await send(`${url}/api/token/refresh/`, { body: { refresh }, form: true });
    expect(refreshed.status).toBe(200);
    const next = refreshed.body as { access: string; refresh: string };
    expect((await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${next.access}` } })).status).toBe(200);

    const replay = await send(`${url}/api/token/refresh/`, { body: { refresh } });
    expect(replay.text).toBe('{"detail":"Token is blacklisted","code":"token_not_valid"}');
    expect((await send(`${url}/api/token/refresh/`, { body: { refresh: next.refresh } })).status).toBe(401);

    const again = (await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' } })).body as { refresh: string };
    expect((await send(`${url}/api/token/blacklist/`, { body: { refresh: again.refresh } })).text).toBe('{}');
    expect((await send(`${url}/api/token/refresh/`, { body: { refresh: again.refresh } })).status).toBe(401);
  });

  // Behind express.json(), bad bodies are express.json()'s to answer: the parity test is for the bare mounts.
  if (name.includes('express.json')) return;

  it("answers simplejwt's 400s for bad bodies and 405 with Allow, never a 500", async () => {
    const url = await start();
    const badJson = await send(`${url}/api/token/`, { body: '{nope', contentType: 'application/json' });
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get('cache-control')).toBe('no-store');
    expect((await send(`${url}/api/token/`, { body: {} })).text).toBe('{"username":["This field is required."],"password":["This field is required."]}');
    const wrong = await send(`${url}/api/token/`, { method: 'GET' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, OPTIONS');
    const fail = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'x' } });
    expect(fail.status).toBe(401);
    expect(fail.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    const big = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'x'.repeat(20_000) } });
    expect(big.status).toBe(400);
    expect(big.text).toBe('{"detail":"Request body exceeded the size limit."}');
    expect((await send(`${url}/api/token/`, { body: 'a=b', contentType: 'text/plain' })).status).toBe(415);
    const form = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' }, form: true });
    expect(form.status).toBe(200);
  });
});

describe('mount details', () => {
  it('fastify: under a registration prefix', async () => {
    const issuer = createIssuer<MemoryUser>({ signingKey: SECRET, users: await testUsers() });
    const app = Fastify();
    await app.register(fastifyRoutes, { issuer, prefix: '/auth' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    stops.push(() => app.close());
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    expect((await send(`${url}/auth/api/token/`, { body: { username: 'alice', password: 'wonderland' } })).status).toBe(200);
  });

  it('fastify: refuses unknown plugin options', async () => {
    const issuer = createIssuer<MemoryUser>({ signingKey: SECRET, users: await testUsers() });
    const app = Fastify();
    await expect(app.register(fastifyRoutes, { issuer, isuer: 1 } as never).ready()).rejects.toThrow(/unknown option "isuer".*did you mean "issuer"/);
  });

  it('koa: takes ctx.request.body when a body parser ran first', async () => {
    const issuer = createIssuer<MemoryUser>({ signingKey: SECRET, users: await testUsers() });
    const app = new Koa();
    // A stand-in for koa-bodyparser: consume the stream, leave the parsed object.
    app.use(async (ctx, next) => {
      let text = '';
      for await (const chunk of ctx.req) text += String(chunk);
      (ctx.request as { body?: unknown }).body = JSON.parse(text);
      await next();
    });
    app.use(koaRoutes(issuer));
    const started = await listen(app.listen(0, '127.0.0.1'));
    stops.push(started.close);
    expect((await send(`${started.url}/api/token/`, { body: { username: 'alice', password: 'wonderland' } })).status).toBe(200);
    expect((await send(`${started.url}/api/token/`, { body: ['alice'] })).text).toBe(
      '{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}',
    );
  });

  it('express: under a mount path, with a query string', async () => {
    const issuer = createIssuer<MemoryUser>({ signingKey: SECRET, users: await testUsers() });
    const app = express();
    app.use('/auth', expressRoutes(issuer));
    const started = await listen(app.listen(0, '127.0.0.1'));
    stops.push(started.close);
    expect((await send(`${started.url}/auth/api/token/?next=1`, { body: { username: 'alice', password: 'wonderland' } })).status).toBe(200);
  });
});
