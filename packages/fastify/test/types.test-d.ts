import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { expectTypeOf, test } from 'vitest';
import { claimCheck, createVerifier, requireScopes, staticKeys, type VerifiedToken } from '@latchkey/core';
import latchkey, { authErrorHandler, type AuthenticateHook, type LatchkeyClaims } from '@latchkey/fastify';

// How a user types their own claims: once, for every route.
declare module '@latchkey/fastify' {
  interface LatchkeyClaims {
    org_id: string;
  }
}

const verifier = createVerifier({ keys: staticKeys({ keys: [] }), algorithms: ['RS256'], issuer: 'https://idp', audience: 'api' });

test('request.auth is typed by LatchkeyClaims, and nullable', async () => {
  const app = Fastify();
  await app.register(latchkey, { verifier, realm: 'api' });
  app.get('/', { config: { auth: { rules: [requireScopes('read'), claimCheck<LatchkeyClaims>((payload) => payload.org_id === 'acme')] } } }, async (request) => {
    expectTypeOf(request.auth).toEqualTypeOf<VerifiedToken<LatchkeyClaims> | null>();
    expectTypeOf(request.auth!.payload.org_id).toBeString();
    // @ts-expect-error auth is null on anonymous requests
    return request.auth.payload;
  });
});

test('the authenticate decorator is an onRequest hook', async () => {
  const app = Fastify();
  await app.register(latchkey, { verifier });
  expectTypeOf(app.authenticate).toEqualTypeOf<AuthenticateHook>();
  expectTypeOf(app.authenticate).parameters.toEqualTypeOf<[FastifyRequest, FastifyReply]>();
  app.addHook('onRequest', app.authenticate);
  app.get('/', { onRequest: app.authenticate, config: { auth: true } }, async () => 'ok');
  app.get('/public', { config: { auth: false } }, async () => 'ok');
  app.setErrorHandler(authErrorHandler());
});

test('should not compile', async () => {
  const app = Fastify();
  // @ts-expect-error the hook takes a request and a reply
  app.authenticate();
  // @ts-expect-error request.auth is a verified token, not a function
  app.get('/x', async (request) => request.auth());
  // @ts-expect-error the verifier is required
  await app.register(latchkey, { optional: true });
  // @ts-expect-error optional is a boolean
  await app.register(latchkey, { verifier, optional: 'yes' });
  // Fastify infers a route's config type from the argument, so a malformed `config.auth` value (e.g.
  // `rules: ['read']`, or an unknown member) still compiles; the plugin refuses it when the route is defined (fastify.test.ts).
});
