import Fastify, { type FastifyReply, type FastifyRequest, type HookHandlerDoneFunction } from 'fastify';
import { expectTypeOf, test } from 'vitest';
import { createVerifier, staticKeys, type JwtPayload, type VerifiedToken } from '@latchkey/core';
import latchkey, {
  authErrorHandler,
  authenticate,
  claimCheck,
  guard,
  requireScopes,
  type AuthHook,
  type AuthenticateOptions,
  type LatchkeyClaims,
} from '@latchkey/fastify';

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
  app.get(
    '/',
    { config: { auth: { rules: [requireScopes('read'), claimCheck<LatchkeyClaims>((payload) => payload.org_id === 'acme')] } } },
    async (request) => {
      expectTypeOf(request.auth).toEqualTypeOf<VerifiedToken<LatchkeyClaims> | null | undefined>();
      expectTypeOf(request.auth!.payload.org_id).toBeString();
      // @ts-expect-error auth is null on anonymous requests, undefined where no authentication ran
      return request.auth.payload;
    },
  );
});

test('authenticate() and guard() are hooks, as in the other adapters', async () => {
  const app = Fastify();
  expectTypeOf(authenticate({ verifier })).toEqualTypeOf<AuthHook>();
  expectTypeOf(guard(requireScopes('a'))).parameters.toEqualTypeOf<[FastifyRequest, FastifyReply, HookHandlerDoneFunction]>();
  app.addHook('onRequest', authenticate({ verifier }));
  app.get(
    '/',
    {
      preHandler: guard(
        requireScopes('read'),
        claimCheck((payload) => payload.org_id.startsWith('acme')),
      ),
    },
    async () => 'ok',
  );
  await app.register(latchkey, { verifier, protectRoutes: true });
  app.get('/public', { config: { auth: false } }, async () => 'ok');
  app.setErrorHandler(authErrorHandler());
});

test('should not compile', async () => {
  const app = Fastify();
  // @ts-expect-error a guard takes rules, not scope names
  guard('read');
  // @ts-expect-error request.auth is a verified token, not a function
  app.get('/x', async (request) => request.auth());
  // @ts-expect-error the verifier is required
  await app.register(latchkey, { optional: true });
  // @ts-expect-error optional is a boolean
  await app.register(latchkey, { verifier, optional: 'yes' });
  // Fastify infers a route's config type from the argument, so a malformed `config.auth` value (e.g.
  // `rules: ['read']`, or an unknown member) still compiles; the plugin refuses it when the route is defined (fastify.test.ts).
});

test('AuthenticateOptions names what authenticate takes, as in every adapter', () => {
  // JwtPayload, the verifier's claims: the default (LatchkeyClaims) is augmented above with org_id.
  const options: AuthenticateOptions<JwtPayload> = { verifier, optional: true, realm: 'api' };
  authenticate(options);
  expectTypeOf<AuthenticateOptions>().toHaveProperty('verifier');
});
