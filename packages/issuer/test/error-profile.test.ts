/**
 * The simplejwt error profile on protected routes (shared/reference/simplejwt.md §1.2), in all three
 * adapters: `authErrorHandler({ body: 'simplejwt' })` over `issuer.verifier()`, over real HTTP.
 */
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { authErrorHandler as expressErrors, authenticate as expressAuth, guard as expressGuard } from '@latchkey/express';
import { authErrorHandler as fastifyErrors, latchkey as fastifyLatchkey } from '@latchkey/fastify';
import { authErrorHandler as koaErrors, authenticate as koaAuth, guard as koaGuard } from '@latchkey/koa';
import { requireScopes } from '@latchkey/core';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createIssuer, type Issuer } from '../src/issuer.js';
import type { MemoryUser } from '../src/users/memory-users.js';
import { SECRET, testUsers } from './helpers.js';

type App = (issuer: Issuer<MemoryUser>) => Promise<{ url: string; close: () => Promise<void> }>;

const APPS: Record<string, App> = {
  express: async (issuer) => {
    const app = express();
    app.get('/me', expressAuth({ verifier: issuer.verifier() }), (_req, res) => void res.json({ ok: true }));
    app.get('/admin', expressAuth({ verifier: issuer.verifier() }), expressGuard(requireScopes('admin')), (_req, res) => void res.json({ ok: true }));
    app.use(expressErrors({ body: 'simplejwt' }));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  },
  koa: async (issuer) => {
    const app = new Koa();
    app.use(koaErrors({ body: 'simplejwt' }));
    app.use(koaAuth({ verifier: issuer.verifier() }));
    const admin = koaGuard(requireScopes('admin'));
    app.use(async (ctx, next) => {
      if (ctx.path === '/admin') await admin(ctx, async () => {});
      ctx.body = { ok: true };
      await next();
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  },
  fastify: async (issuer) => {
    const app = Fastify();
    app.setErrorHandler(fastifyErrors({ body: 'simplejwt' }));
    await app.register(fastifyLatchkey, { verifier: issuer.verifier() });
    app.get('/me', { config: { auth: true } }, () => ({ ok: true }));
    app.get('/admin', { config: { auth: { rules: [requireScopes('admin')] } } }, () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  },
};

function forge(payload: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256', typ: 'at+jwt' }): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

const given = (message: string) =>
  JSON.stringify({
    detail: 'Given token not valid for any token type',
    code: 'token_not_valid',
    messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
  });

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

describe.each(Object.entries(APPS))('%s with authErrorHandler({ body: "simplejwt" })', (_, start) => {
  async function setup(): Promise<{ url: string; issuer: Issuer<MemoryUser> }> {
    const issuer = createIssuer<MemoryUser>({ signingKey: SECRET, users: await testUsers() });
    const { url, close } = await start(issuer);
    stops.push(close);
    return { url, issuer };
  }
  async function call(url: string, authorization?: string): Promise<{ status: number; challenge: string | null; text: string }> {
    const response = await fetch(url, { headers: authorization === undefined ? {} : { authorization } });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), text: await response.text() };
  }
  const now = () => Math.floor(Date.now() / 1000);

  it("answers every row of the reference table with simplejwt's body, and keeps the RFC 6750 challenge", async () => {
    const { url, issuer } = await setup();
    const { access, refresh } = await issuer.issueTokens((await testUsers().then((users) => users.getUser('1')))!);
    const base = { token_type: 'access', exp: now() + 60, iat: now(), jti: 'e'.repeat(32), sub: '1', user_id: '1', fam: 'f' };
    const { jti: _jti, ...noJti } = base;
    const { exp: _exp, ...noExp } = base;
    const { token_type: _type, ...noType } = base;
    const { sub: _sub, user_id: _uid, ...noUser } = base;
    const [h, p] = access.split('.');
    const rows: Array<[string | undefined, number, string, RegExp]> = [
      [undefined, 401, '{"detail":"Authentication credentials were not provided."}', /^Bearer$/],
      ['Bearer', 401, '{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}', /invalid_request/],
      [
        `Bearer ${access} extra`,
        401,
        '{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}',
        /invalid_request/,
      ],
      [`Bearer ${h}.${p}.${'A'.repeat(43)}`, 401, given('Token is invalid'), /invalid_token/],
      ['Bearer garbage', 401, given('Token is invalid'), /invalid_token/],
      [`Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`, 401, given('Token is invalid'), /invalid_token/],
      [`Bearer ${forge({ ...base, exp: now() - 10 })}`, 401, given('Token is expired'), /invalid_token/],
      [`Bearer ${refresh}`, 401, given('Token has wrong type'), /invalid_token/],
      [`Bearer ${forge({ ...base, token_type: 'sliding' })}`, 401, given('Token has wrong type'), /invalid_token/],
      [`Bearer ${forge(noJti)}`, 401, given('Token has no id'), /invalid_token/],
      [`Bearer ${forge(noExp)}`, 401, given("Token has no 'exp' claim"), /invalid_token/],
      [`Bearer ${forge(noType)}`, 401, given('Token has no type'), /invalid_token/],
      [`Bearer ${forge(noUser)}`, 401, '{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}', /invalid_token/],
    ];
    for (const [authorization, status, body, challenge] of rows) {
      const answer = await call(`${url}/me`, authorization);
      expect({ authorization, status: answer.status, text: answer.text }).toEqual({ authorization, status, text: body });
      expect(answer.challenge).toMatch(challenge);
    }
    expect((await call(`${url}/me`, `Bearer ${access}`)).status).toBe(200);
    const forbidden = await call(`${url}/admin`, `Bearer ${access}`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.text).toBe('{"detail":"You do not have permission to perform this action."}');
    expect(forbidden.challenge).toMatch(/insufficient_scope/);
  });
});

describe('issuer.verifier()', () => {
  it('refuses tokens of a revoked family with checkRevocation', async () => {
    const issuer = createIssuer<MemoryUser>({ signingKey: SECRET, users: await testUsers() });
    const user = (await (await testUsers()).getUser('1'))!;
    const { access, refresh } = await issuer.issueTokens(user);
    const verifier = issuer.verifier({ checkRevocation: true });
    await verifier.verify(access);
    await issuer.handle({ method: 'POST', path: '/api/token/blacklist/', headers: {}, contentType: 'application/json', body: JSON.stringify({ refresh }) });
    await expect(verifier.verify(access)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
    await expect(issuer.verifier().verify(access)).resolves.toBeDefined();
  });
});
