/**
 * End to end, as a simplejwt client drives it, over real HTTP, against the Express, Koa and Fastify mounts
 * with a protected route from each framework's @latchkey adapter verifying through `issuer.verifier()`.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
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
import { behindBodyParser, FRAMEWORKS, listen } from './frameworks.js';
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

  it("holds its own size limit and Django's form rules whoever parsed the body, and refuses what no parser read (415)", async () => {
    const url = await start();
    // Declared larger than maxBodyBytes: refused, though express.json() / koa-bodyparser would take it.
    const big = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland', padding: 'x'.repeat(20_000) } });
    expect([big.status, big.text]).toEqual([400, '{"detail":"Request body exceeded the size limit."}']);
    // A repeated form field reads as its last value (Django's QueryDict), as on the bare mounts.
    const repeated = await send(`${url}/api/token/`, {
      body: 'username=nobody&username=alice&password=wonderland',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(repeated.status, repeated.text).toBe(200);
    // A content type no parser took: the issuer reads the body itself and answers DRF's 415.
    const text = await send(`${url}/api/token/`, { body: 'username=alice', contentType: 'text/plain' });
    expect([text.status, text.text]).toEqual([415, '{"detail":"Unsupported media type \\"text/plain\\" in request."}']);
  });

  // Behind a framework body parser, bad bodies are that parser's to answer: the parity test is for the bare mounts.
  if (behindBodyParser(name)) return;

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
    // Every method the framework routes is the issuer's to answer: 405 with Allow, not a 404.
    // (fetch refuses to send TRACE: node:http does.)
    const trace = await new Promise<IncomingMessage>((resolve, reject) =>
      httpRequest(`${url}/api/token/`, { method: 'TRACE' }, resolve).on('error', reject).end(),
    );
    trace.resume();
    expect([trace.statusCode, trace.headers.allow]).toEqual([405, 'POST, OPTIONS']);
    // A Content-Type that cannot be parsed at all: DRF's 415, not to be stored, on every mount.
    const unparsable = await send(`${url}/api/token/`, { body: '{}', contentType: 'a b' });
    expect([unparsable.status, unparsable.text]).toEqual([415, '{"detail":"Unsupported media type \\"a b\\" in request."}']);
    expect([unparsable.headers.get('cache-control'), unparsable.headers.get('pragma')]).toEqual(['no-store', 'no-cache']);
  });

  it('decodes a JSON body strictly in its charset: bytes that are not text in it are a parse error, not U+FFFD', async () => {
    const url = await start();
    const json = (bytes: Buffer, contentType = 'application/json') =>
      fetch(`${url}/api/token/`, { method: 'POST', headers: { 'content-type': contentType }, body: bytes }).then(async (r) => [r.status, await r.text()]);
    const invalid = Buffer.concat([Buffer.from('{"username":"alice","password":"wonder'), Buffer.from([0xff, 0xfe]), Buffer.from('land"}')]);
    expect(await json(invalid)).toEqual([400, '{"detail":"JSON parse error - the body is not valid JSON"}']);
    const utf16 = Buffer.from(JSON.stringify({ username: 'alice', password: 'wonderland' }), 'utf16le');
    expect((await json(utf16, 'application/json; charset=utf-16le'))[0]).toBe(200);
    expect((await json(utf16))[0]).toBe(400);
    expect((await json(Buffer.from('{}'), 'application/json; charset=no-such-charset'))[0]).toBe(400);
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
