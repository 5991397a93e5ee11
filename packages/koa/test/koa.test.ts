import Koa, { type Middleware } from 'koa';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, isLatchkeyError, oidcDiscovery, staticKeys, type Verifier } from '@latchkey/core';
import { createMockIdp, createTokenFactory, generateSigningKey, type TokenFactory } from '@latchkey/testing';
import { authErrorHandler, authenticate, claimEquals, guard, requireScopes } from '@latchkey/koa';
import { get, serverPerTest } from '@latchkey/conformance';
import { chain } from './compose.js';

const issuer = 'https://idp.example.test/';
const audience = 'https://api.example.test';
let tokens: TokenFactory;
let verifier: Verifier;

beforeAll(async () => {
  const key = await generateSigningKey('ES256');
  tokens = createTokenFactory({ issuer, audience, key, defaults: { scope: 'read:items', roles: ['editor', 'viewer'], org: 'acme' } });
  verifier = createVerifier({ keys: staticKeys({ keys: [key.publicJwk] }), algorithms: ['ES256'], issuer, audience });
});

const serve = serverPerTest();

const ok: Middleware = (ctx) => {
  ctx.body = 'ok';
};

describe('authenticate', () => {
  it('sets ctx.state.auth to { payload, header, token }', async () => {
    const app = new Koa();
    app.use(authenticate({ verifier }));
    app.use((ctx) => {
      const { auth } = ctx.state;
      ctx.body = { sub: auth?.payload.sub, alg: auth?.header.alg, same: auth?.token === ctx.get('authorization').slice(7) };
    });
    expect(JSON.parse((await get(await serve(app), await tokens.sign({ sub: 'alice' }))).body)).toEqual({ sub: 'alice', alg: 'ES256', same: true });
  });

  it('throws for ctx.onerror, which renders status, challenge and message, and emits a client error', async () => {
    const app = new Koa();
    const emitted: unknown[] = [];
    app.on('error', (error) => emitted.push(error));
    app.use(authenticate({ verifier }));
    app.use(ok);
    const response = await get(await serve(app), await tokens.sign({}, { ageSeconds: 3600 }));
    expect(response.status).toBe(401);
    expect(response.challenge).toMatch(/^Bearer error="invalid_token", error_description="/);
    expect(emitted).toHaveLength(1);
    expect(isLatchkeyError(emitted[0]) && emitted[0].code).toBe('ERR_JWT_EXPIRED');
  });

  it('builds its verifier from options, and refuses a bad configuration at once', () => {
    // @ts-expect-error the verifier is required
    expect(() => authenticate({})).toThrow(TypeError);
    expect(() => authenticate({ verifier, getToken: 'cookie' as never })).toThrow(/"getToken"/);
  });

  it('refuses unknown keys in its options, suggesting the intended one', () => {
    expect(() => authenticate({ verifier, allowQueryTokens: true } as never)).toThrow(
      'latchkey: unknown option "allowQueryTokens" in authenticate() options; did you mean "allowQueryToken"?',
    );
  });

  it('reads the token where getToken says', async () => {
    const app = new Koa();
    app.use(authenticate({ verifier, getToken: (ctx) => ctx.cookies.get('access_token') }));
    app.use((ctx) => {
      ctx.body = ctx.state.auth?.payload.sub;
    });
    const url = await serve(app);
    expect((await get(url, undefined, { headers: { cookie: `access_token=${await tokens.sign({ sub: 'bob' })}` } })).body).toBe('bob');
  });

  it('reads a form-body token only when allowed, from ctx.request.body', async () => {
    const app = new Koa();
    // Stands in for a body parser (koa-bodyparser, @koa/bodyparser), which sets ctx.request.body.
    app.use(async (ctx, next) => {
      let text = '';
      for await (const chunk of ctx.req) text += chunk;
      (ctx.request as { body?: unknown }).body = Object.fromEntries(new URLSearchParams(text));
      await next();
    });
    app.use(authenticate({ verifier, allowBodyToken: true }));
    app.use((ctx) => {
      ctx.body = ctx.state.auth?.payload.sub;
    });
    const token = await tokens.sign({ sub: 'carol' });
    const url = await serve(app);
    expect((await get(url, undefined, { method: 'POST', body: new URLSearchParams({ access_token: token }) })).body).toBe('carol');
    // Not form-encoded: the body is not a token carrier.
    const json = { method: 'POST', body: `access_token=${token}`, headers: { 'content-type': 'text/plain' } };
    expect((await get(url, undefined, json)).status).toBe(401);
  });
});

describe('authErrorHandler', () => {
  it('rethrows other errors', async () => {
    const app = new Koa();
    app.silent = true;
    app.use(authErrorHandler());
    app.use(() => {
      throw Object.assign(new Error('teapot'), { status: 418, expose: true });
    });
    expect(await get(await serve(app))).toMatchObject({ status: 418, body: 'teapot', challenge: null });
  });
});

describe('the README quick start', () => {
  it('works against an OpenID provider found by discovery', async () => {
    await using idp = await createMockIdp({ audience: 'https://api.example.com' });
    const verifier = createVerifier({ keys: oidcDiscovery(idp.issuer), algorithms: ['RS256'], issuer: idp.issuer, audience: 'https://api.example.com' });
    // The README's router, reduced to what the test needs.
    const routes: Record<string, Middleware> = {
      'GET /items': chain([
        guard(requireScopes('read:items')),
        (ctx) => {
          ctx.body = { user: ctx.state.auth!.payload.sub };
        },
      ]),
      'DELETE /items/1': chain([
        guard(requireScopes('delete:items'), claimEquals('org', 'acme')),
        (ctx) => {
          ctx.status = 204;
        },
      ]),
    };
    const app = new Koa();
    app.use(authErrorHandler());
    app.use(authenticate({ verifier }));
    app.use((ctx, next) => (routes[`${ctx.method} ${ctx.path}`] ?? ((_ctx, next) => next()))(ctx, next));
    const url = await serve(app);

    const reader = await idp.sign({ sub: 'alice', scope: 'read:items' });
    expect((await get(`${url}/items`, reader)).body).toBe('{"user":"alice"}');
    expect((await get(`${url}/items/1`, reader, { method: 'DELETE' })).status).toBe(403);
    const deleter = await idp.sign({ sub: 'bob', scope: 'delete:items', org: 'acme' });
    expect((await get(`${url}/items/1`, deleter, { method: 'DELETE' })).status).toBe(204);
    expect((await get(`${url}/items`)).challenge).toBe('Bearer');
  });
});
