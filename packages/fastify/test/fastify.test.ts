import Fastify, { type FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, oidcDiscovery, staticKeys, type Verifier } from '@latchkey/core';
import { createMockIdp, createTokenFactory, generateSigningKey, type TokenFactory } from '@latchkey/testing';
import latchkey, { authErrorHandler, authenticate, claimEquals, guard, requireAnyScope, requireScopes } from '@latchkey/fastify';

const issuer = 'https://idp.example.test/';
const audience = 'https://api.example.test';
let tokens: TokenFactory;
let verifier: Verifier;

beforeAll(async () => {
  const key = await generateSigningKey('ES256');
  tokens = createTokenFactory({ issuer, audience, key, defaults: { scope: 'read:items', org: 'acme' } });
  verifier = createVerifier({ keys: staticKeys({ keys: [key.publicJwk] }), algorithms: ['ES256'], issuer, audience });
});

/** A verifier that counts its calls. */
function counting(): Verifier & { calls: number } {
  const counted = { calls: 0, warm: () => verifier.warm(), verify: (token: string) => (counted.calls++, verifier.verify(token)) };
  return counted;
}

const bearer = async (claims?: Record<string, unknown>): Promise<{ authorization: string }> => ({ authorization: `Bearer ${await tokens.sign(claims)}` });

/** What @fastify/formbody does: form bodies parsed into an object. */
function withFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

/** POSTs `token` as a form body's access_token (RFC 6750 §2.2). */
const postFormToken = (app: FastifyInstance, url: string, token: string) =>
  app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ access_token: token }).toString(),
  });

describe('the plugin', () => {
  it('authenticates routes that declare config.auth and sets request.auth; leaves the others alone (auth: undefined)', async () => {
    const app = Fastify();
    await app.register(latchkey, { verifier });
    app.get('/private', { config: { auth: true } }, async (request) => ({ sub: request.auth?.payload.sub, alg: request.auth?.header.alg }));
    app.get('/public', async (request) => ({ unauthenticated: request.auth === undefined }));
    const ok = await app.inject({ url: '/private', headers: await bearer({ sub: 'alice' }) });
    expect(ok.json()).toEqual({ sub: 'alice', alg: 'ES256' });
    expect((await app.inject({ url: '/public' })).json()).toEqual({ unauthenticated: true });
  });

  it("sends failures through Fastify's error handler with status and WWW-Authenticate (inject)", async () => {
    const app = Fastify();
    await app.register(latchkey, { verifier });
    app.get('/', { config: { auth: { rules: [requireScopes('admin')] } } }, async () => 'ok');
    const missing = await app.inject({ url: '/' });
    expect([missing.statusCode, missing.headers['www-authenticate']]).toEqual([401, 'Bearer']);
    expect(missing.json()).toMatchObject({ statusCode: 401, code: 'ERR_BEARER_MISSING', error: 'Unauthorized' });
    const scope = await app.inject({ url: '/', headers: await bearer() });
    expect(scope.statusCode).toBe(403);
    expect(scope.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope", error_description="[^"]+", scope="admin"$/);
    expect(scope.json()).toMatchObject({ code: 'ERR_SCOPE_INSUFFICIENT' });
  });

  it('protects a whole context with protectRoutes; config.auth: false opts a route out; one verification per request', async () => {
    const app = Fastify();
    const countingVerifier = counting();
    await app.register(async (api) => {
      await api.register(latchkey, { verifier: countingVerifier, protectRoutes: true });
      api.get('/items', async (request) => request.auth?.payload.sub);
      api.get('/health', { config: { auth: false } }, async (request) => ({ unauthenticated: request.auth === undefined }));
      api.get('/admin', { config: { auth: { rules: [requireAnyScope('admin')] } } }, async () => 'admin');
    });
    expect((await app.inject({ url: '/items' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/items', headers: await bearer({ sub: 'bob' }) })).body).toBe('bob');
    expect((await app.inject({ url: '/health' })).json()).toEqual({ unauthenticated: true });
    countingVerifier.calls = 0;
    expect((await app.inject({ url: '/admin', headers: await bearer() })).statusCode).toBe(403);
    expect(countingVerifier.calls).toBe(1);
  });

  it('offers authenticate() as a plain onRequest hook and guard() as a preHandler', async () => {
    const app = Fastify();
    await app.register(async (api) => {
      api.addHook('onRequest', authenticate({ verifier }));
      api.get('/items', { preHandler: guard(requireScopes('read:items')) }, async (request) => request.auth?.payload.sub);
      api.get('/admin', { preHandler: guard(requireScopes('admin')) }, async () => 'admin');
    });
    app.get('/unguarded', { preHandler: guard(requireScopes('read:items')) }, async () => 'never');
    expect((await app.inject({ url: '/items', headers: await bearer({ sub: 'eve' }) })).body).toBe('eve');
    expect((await app.inject({ url: '/admin', headers: await bearer() })).statusCode).toBe(403);
    // No authentication ran: the guard fails closed.
    expect((await app.inject({ url: '/unguarded', headers: await bearer() })).statusCode).toBe(500);
  });

  it('works in two sibling contexts with different options, and decorates nothing that @fastify/jwt uses', async () => {
    const app = Fastify();
    await app.register(async (a) => {
      await a.register(latchkey, { verifier, realm: 'a' });
      a.get('/a', { config: { auth: true } }, async () => 'a');
    });
    await app.register(async (b) => {
      await b.register(latchkey, { verifier, realm: 'b', optional: true });
      b.get('/b', { config: { auth: true } }, async (request) => ({ anonymous: request.auth === null }));
    });
    // The @fastify/jwt recipe decorates `authenticate` itself: nothing of ours may be in its way.
    app.decorate('authenticate', () => 'theirs');
    expect((await app.inject({ url: '/a' })).headers['www-authenticate']).toBe('Bearer realm="a"');
    expect((await app.inject({ url: '/b' })).json()).toEqual({ anonymous: true });
  });

  it('takes optional from the plugin and from the route', async () => {
    const app = Fastify();
    await app.register(latchkey, { verifier, optional: true });
    app.get('/maybe', { config: { auth: true } }, async (request) => ({ anonymous: request.auth === null }));
    app.get('/must', { config: { auth: { optional: false } } }, async () => 'ok');
    app.get('/guarded', { config: { auth: { rules: [claimEquals('org', 'acme')] } } }, async () => 'ok');
    expect((await app.inject({ url: '/maybe' })).json()).toEqual({ anonymous: true });
    expect((await app.inject({ url: '/maybe', headers: { authorization: 'Bearer x.y.z' } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/must' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/guarded' })).headers['www-authenticate']).toBe('Bearer');
    expect((await app.inject({ url: '/guarded', headers: await bearer() })).statusCode).toBe(200);
  });

  it('refuses a malformed config.auth when the route is defined, naming the route', async () => {
    const app = Fastify();
    await app.register(latchkey, { verifier });
    expect(() => app.get('/x', { config: { auth: { rules: ['read' as never] } } }, async () => 'ok')).toThrow(/config\.auth of GET \/x/);
    expect(() => app.get('/y', { config: { auth: 'yes' as never } }, async () => 'ok')).toThrow(TypeError);
    // null is a value, not an absence: refused, never read as "public".
    expect(() => app.get('/z', { config: { auth: null as never } }, async () => 'ok')).toThrow(/config\.auth of GET \/z must be true, false or/);
  });

  it('refuses a misspelt config.auth key instead of answering 200 without the rule (issue 7)', async () => {
    for (const typo of ['rule', 'scopes']) {
      const app = Fastify();
      await app.register(latchkey, { verifier });
      app.register(async (scope) => {
        scope.get('/admin', { config: { auth: { [typo]: [requireScopes('admin')] } as never } }, async () => 'ok');
      });
      await expect(app.ready()).rejects.toThrow(`latchkey: unknown option "${typo}" in config.auth of GET /admin; did you mean "rules"?`);
    }
  });

  it('refuses unknown plugin options at registration, suggesting the intended one', async () => {
    const app = Fastify();
    app.register(latchkey, { verifier, optinal: true } as never);
    await expect(app.ready()).rejects.toThrow('latchkey: unknown option "optinal" in @latchkey/fastify plugin options; did you mean "optional"?');
  });

  it('logs refusals through request.log only when asked (log: true)', async () => {
    const lines: Array<{ level: number; latchkey?: { type: string; code?: string } }> = [];
    const stream = { write: (line: string) => void lines.push(JSON.parse(line)) };
    const app = Fastify({ logger: { level: 'info', stream } });
    await app.register(async (quiet) => {
      await quiet.register(latchkey, { verifier });
      quiet.get('/quiet', { config: { auth: true } }, async () => 'ok');
    });
    await app.register(async (loud) => {
      await loud.register(latchkey, { verifier, log: true });
      loud.get('/loud', { config: { auth: true } }, async () => 'ok');
    });
    await app.inject({ url: '/quiet' });
    expect(lines.filter((line) => line.latchkey !== undefined)).toEqual([]);
    await app.inject({ url: '/loud' });
    expect(lines.filter((line) => line.latchkey !== undefined)).toEqual([
      expect.objectContaining({ level: 30, latchkey: expect.objectContaining({ type: 'refused', code: 'ERR_BEARER_MISSING' }) }),
    ]);
  });

  it('refuses a bad plugin configuration at registration', async () => {
    const app = Fastify();
    // @ts-expect-error the verifier is required
    app.register(latchkey, {});
    await expect(app.ready()).rejects.toThrow(/"verifier" is required/);
  });

  it("lets a nested registration take over from its parent's for its own routes", async () => {
    const app = Fastify();
    await app.register(latchkey, { verifier, realm: 'outer', protectRoutes: true });
    app.get('/outer', async () => 'outer');
    await app.register(async (inner) => {
      await inner.register(latchkey, { verifier, realm: 'inner' });
      inner.get('/inner', { config: { auth: true } }, async () => 'inner');
    });
    expect((await app.inject({ url: '/outer' })).headers['www-authenticate']).toBe('Bearer realm="outer"');
    expect((await app.inject({ url: '/inner' })).headers['www-authenticate']).toBe('Bearer realm="inner"');
  });

  it("replaces its parent's hook whatever stage each uses: a body-token child under a header-only parent", async () => {
    const app = Fastify();
    withFormParser(app);
    // The parent authenticates in onRequest, the child (body tokens) in preValidation: only the child's runs.
    await app.register(latchkey, { verifier, protectRoutes: true });
    await app.register(async (inner) => {
      await inner.register(latchkey, { verifier, allowBodyToken: true });
      inner.post('/form', { config: { auth: true } }, async (request) => request.auth?.payload.sub);
    });
    const response = await postFormToken(app, '/form', await tokens.sign({ sub: 'carol' }));
    expect([response.statusCode, response.body]).toEqual([200, 'carol']);
  });

  it('respects encapsulation: a sibling context is not authenticated', async () => {
    const app = Fastify();
    await app.register(async (child) => {
      await child.register(latchkey, { verifier, protectRoutes: true });
      child.get('/a', async () => 'a');
    });
    await app.register(async (sibling) => {
      sibling.get('/b', async () => 'b');
    });
    expect((await app.inject({ url: '/a' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/b' })).statusCode).toBe(200);
  });

  it('is a named fastify-plugin', async () => {
    const app = Fastify();
    await app.register(latchkey, { verifier });
    expect(app.hasPlugin('@latchkey/fastify')).toBe(true);
  });

  it('reads a form-body token in preValidation when allowBodyToken is set', async () => {
    const app = Fastify();
    withFormParser(app);
    await app.register(latchkey, { verifier, allowBodyToken: true });
    app.post('/', { config: { auth: true } }, async (request) => request.auth?.payload.sub);
    const response = await postFormToken(app, '/', await tokens.sign({ sub: 'carol' }));
    expect(response.body).toBe('carol');
  });
});

describe('authErrorHandler', () => {
  async function app(): Promise<FastifyInstance> {
    const instance = Fastify();
    instance.setErrorHandler(authErrorHandler());
    await instance.register(latchkey, { verifier });
    instance.get('/', { config: { auth: true } }, async () => 'ok');
    instance.get('/boom', async () => {
      throw Object.assign(new Error('teapot'), { statusCode: 418 });
    });
    return instance;
  }

  it('renders Latchkey errors as RFC 6750 JSON', async () => {
    const response = await (await app()).inject({ url: '/', headers: { authorization: 'Bearer' } });
    expect(response.statusCode).toBe(400);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request"/);
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
  });

  it('hands other errors to the parent handler', async () => {
    const response = await (await app()).inject({ url: '/boom' });
    expect(response.statusCode).toBe(418);
    expect(response.json()).toMatchObject({ message: 'teapot' });
  });
});

describe('the README quick start', () => {
  it('works against an OpenID provider found by discovery, over HTTP', async () => {
    await using idp = await createMockIdp({ audience: 'https://api.example.com' });
    const verifier = createVerifier({ keys: oidcDiscovery(idp.issuer), algorithms: ['RS256'], issuer: idp.issuer, audience: 'https://api.example.com' });
    const app = Fastify();
    await app.register(latchkey, { verifier });
    app.get('/items', { config: { auth: { rules: [requireScopes('read:items')] } } }, async (request) => {
      return { user: request.auth!.payload.sub };
    });
    app.delete('/items/:id', { config: { auth: { rules: [requireScopes('delete:items'), claimEquals('org', 'acme')] } } }, async (_request, reply) => {
      return reply.code(204).send();
    });
    app.get('/feed', { config: { auth: { optional: true } } }, async (request) => ({ personal: request.auth !== null }));
    app.get('/health', async () => 'ok');
    app.get('/admin', { config: { auth: true }, preHandler: guard(requireScopes('admin')) }, async () => 'admin');
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const call = (path: string, token?: string, method = 'GET') =>
        fetch(`${url}${path}`, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
      const reader = await idp.sign({ sub: 'alice', scope: 'read:items' });
      expect(await (await call('/items', reader)).json()).toEqual({ user: 'alice' });
      expect((await call('/items/1', reader, 'DELETE')).status).toBe(403);
      const deleter = await idp.sign({ sub: 'bob', scope: 'delete:items', org: 'acme' });
      expect((await call('/items/1', deleter, 'DELETE')).status).toBe(204);
      expect((await call('/items')).headers.get('www-authenticate')).toBe('Bearer');
      expect(await (await call('/feed')).json()).toEqual({ personal: false });
      expect(await (await call('/feed', reader)).json()).toEqual({ personal: true });
      expect((await call('/health')).status).toBe(200);
      expect((await call('/admin', reader)).status).toBe(403);
    } finally {
      await app.close();
    }
  });
});
