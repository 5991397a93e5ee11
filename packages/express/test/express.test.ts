import express from 'express';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, oidcDiscovery, staticKeys, type Verifier, type VerifierOptions } from '@latchkey/core';
import { createMockIdp, createTokenFactory, generateSigningKey, type TokenFactory } from '@latchkey/testing';
import { authErrorHandler, authenticate, claimEquals, guard, requireScopes } from '@latchkey/express';
import { get, serverPerTest } from '@latchkey/conformance';

const issuer = 'https://idp.example.test/';
const audience = 'https://api.example.test';
let tokens: TokenFactory;
let verifierOptions: VerifierOptions;
let verifier: Verifier;

beforeAll(async () => {
  const key = await generateSigningKey('ES256');
  tokens = createTokenFactory({ issuer, audience, key, defaults: { scope: 'read:items', roles: ['editor', 'viewer'], org: 'acme' } });
  verifierOptions = { keys: staticKeys({ keys: [key.publicJwk] }), algorithms: ['ES256'], issuer, audience };
  verifier = createVerifier(verifierOptions);
});

const serve = serverPerTest();

describe('authenticate', () => {
  it('sets req.auth to { payload, header, token }', async () => {
    const app = express();
    app.get('/', authenticate({ verifier }), (req, res) => {
      res.json({ sub: req.auth?.payload.sub, alg: req.auth?.header.alg, same: req.auth?.token === req.get('authorization')?.slice(7) });
    });
    const token = await tokens.sign({ sub: 'alice' });
    expect(JSON.parse((await get(await serve(app), token)).body)).toEqual({ sub: 'alice', alg: 'ES256', same: true });
  });

  it('builds its verifier from options, and refuses a bad configuration at once', async () => {
    const app = express();
    app.get('/', authenticate({ verifier: verifierOptions }), (_req, res) => {
      res.end('ok');
    });
    expect((await get(await serve(app), await tokens.sign())).status).toBe(200);
    // @ts-expect-error the verifier is required
    expect(() => authenticate({})).toThrow(TypeError);
    expect(() => authenticate({ verifier: { ...verifierOptions, audience: undefined as never } })).toThrow(/"audience"/);
  });

  it('refuses unknown keys in its options and in the verifier options it builds from, suggesting the intended one', () => {
    expect(() => authenticate({ verifier, optinal: true } as never)).toThrow(
      'latchkey: unknown option "optinal" in authenticate() options; did you mean "optional"?',
    );
    expect(() => authenticate({ verifier: { ...verifierOptions, clockTolerance: 30 } as never })).toThrow(/did you mean "clockToleranceSeconds"\?/);
  });

  it('sets req.auth to null on an optional route called without credentials', async () => {
    const app = express();
    app.get('/', authenticate({ verifier, optional: true }), (req, res) => {
      res.json({ auth: req.auth });
    });
    expect(JSON.parse((await get(await serve(app))).body)).toEqual({ auth: null });
  });

  it('reads the token where getToken says', async () => {
    const app = express();
    app.get('/', authenticate({ verifier, getToken: (req) => req.get('x-api-token') }), (req, res) => {
      res.end(req.auth?.payload.sub);
    });
    const url = await serve(app);
    expect((await get(url, undefined, { headers: { 'x-api-token': await tokens.sign({ sub: 'bob' }) } })).body).toBe('bob');
    expect((await get(url, await tokens.sign())).status).toBe(401);
  });

  it('reads a form-body token only when allowed, after a body parser', async () => {
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.post('/', authenticate({ verifier, allowBodyToken: true }), (req, res) => {
      res.end(req.auth?.payload.sub);
    });
    app.post('/strict', authenticate({ verifier }), (_req, res) => {
      res.end();
    });
    const url = await serve(app);
    const form = { method: 'POST', body: new URLSearchParams({ access_token: await tokens.sign({ sub: 'carol' }) }) };
    expect((await get(url, undefined, form)).body).toBe('carol');
    expect((await get(`${url}/strict`, undefined, form)).status).toBe(401);
  });
});

describe('authErrorHandler', () => {
  it('passes other errors on to the next handler', async () => {
    const app = express();
    app.get('/', () => {
      throw new Error('boom');
    });
    app.use(authErrorHandler());
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(418).end(err.message);
    });
    expect(await get(await serve(app))).toMatchObject({ status: 418, body: 'boom', challenge: null });
  });

  it('answers with a JSON content type even when an earlier middleware set another', async () => {
    const app = express();
    app.use((_req, res, next) => {
      res.type('html');
      next();
    });
    app.get('/', authenticate({ verifier }), (_req, res) => void res.send('ok'));
    app.use(authErrorHandler());
    const response = await fetch(await serve(app));
    expect([response.status, response.headers.get('content-type')]).toEqual([401, 'application/json; charset=utf-8']);
  });
});

describe('the README quick start', () => {
  it('works against an OpenID provider found by discovery', async () => {
    await using idp = await createMockIdp({ audience: 'https://api.example.com' });
    const verifier = createVerifier({ keys: oidcDiscovery(idp.issuer), algorithms: ['RS256'], issuer: idp.issuer, audience: 'https://api.example.com' });
    const app = express();
    app.use('/api', authenticate({ verifier }));
    app.get('/api/items', guard(requireScopes('read:items')), (req, res) => {
      res.json({ user: req.auth!.payload.sub });
    });
    app.delete('/api/items/:id', guard(requireScopes('delete:items'), claimEquals('org', 'acme')), (_req, res) => {
      res.status(204).end();
    });
    app.use(authErrorHandler());
    const url = await serve(app);

    const reader = await idp.sign({ sub: 'alice', scope: 'read:items' });
    expect((await get(`${url}/api/items`, reader)).body).toBe('{"user":"alice"}');
    expect((await get(`${url}/api/items/1`, reader, { method: 'DELETE' })).status).toBe(403);
    const deleter = await idp.sign({ sub: 'bob', scope: 'delete:items', org: 'acme' });
    expect((await get(`${url}/api/items/1`, deleter, { method: 'DELETE' })).status).toBe(204);
    expect((await get(`${url}/api/items`)).challenge).toBe('Bearer');
  });
});

describe('req.auth on Express requests (an accessor, so no property is added after Express swaps the prototype)', () => {
  it('reads as a property, takes later assignments, and stays per request', async () => {
    const app = express();
    app.get(
      '/',
      authenticate({ verifier }),
      (req, _res, next) => {
        // Not an own property: Express swapped this request's prototype, and adding one would cost a hidden class per request.
        expect(Object.hasOwn(req, 'auth')).toBe(false);
        expect(req.auth?.payload.sub).toMatch(/^(alice|bob)$/);
        next();
      },
      guard(claimEquals('org', 'acme')),
      (req, res) => {
        const verified = req.auth!.payload.sub;
        // Later middleware may replace it (express-jwt and hand-written code do), and read back what it wrote.
        req.auth = null;
        res.json({ verified, after: req.auth });
      },
    );
    app.get('/open', (req, res) => {
      res.json({ auth: req.auth === undefined ? 'undefined' : req.auth });
    });
    const url = await serve(app);
    const [alice, bob] = await Promise.all([get(url, await tokens.sign({ sub: 'alice' })), get(url, await tokens.sign({ sub: 'bob' }))]);
    expect(JSON.parse(alice.body)).toEqual({ verified: 'alice', after: null });
    expect(JSON.parse(bob.body)).toEqual({ verified: 'bob', after: null });
    // A route without authenticate reads undefined, as before.
    expect(JSON.parse((await get(`${url}/open`, await tokens.sign())).body)).toEqual({ auth: 'undefined' });
  });

  it('works in a mounted sub-app and a router', async () => {
    const sub = express();
    sub.get('/me', authenticate({ verifier }), guard(requireScopes('read:items')), (req, res) => {
      res.json({ sub: req.auth?.payload.sub });
    });
    const router = express.Router();
    router.get('/me', authenticate({ verifier }), (req, res) => {
      res.json({ sub: req.auth?.payload.sub });
    });
    const app = express();
    app.use('/sub', sub);
    app.use('/router', router);
    app.use(authErrorHandler());
    const url = await serve(app);
    const token = await tokens.sign({ sub: 'carol' });
    expect(JSON.parse((await get(`${url}/sub/me`, token)).body)).toEqual({ sub: 'carol' });
    expect(JSON.parse((await get(`${url}/router/me`, token)).body)).toEqual({ sub: 'carol' });
    expect((await get(`${url}/sub/me`)).status).toBe(401);
  });

  it('is a plain own property on a request whose prototype was never swapped', async () => {
    const middleware = authenticate({ verifier });
    const check = guard(claimEquals('org', 'acme'));
    const token = await tokens.sign({ sub: 'dave' });
    const req = { rawHeaders: ['Authorization', `Bearer ${token}`], method: 'GET', originalUrl: '/', headers: {} } as unknown as express.Request;
    await new Promise<void>((resolve, reject) => middleware(req, {} as express.Response, (error?: unknown) => (error ? reject(error) : resolve())));
    expect(Object.hasOwn(req, 'auth')).toBe(true);
    expect(req.auth?.payload.sub).toBe('dave');
    await new Promise<void>((resolve, reject) => check(req, {} as express.Response, (error?: unknown) => (error ? reject(error) : resolve())));
  });
});
