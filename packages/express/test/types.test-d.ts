import express, { type RequestHandler } from 'express';
import { expectTypeOf, test } from 'vitest';
import { createVerifier, staticKeys, type JwtPayload, type JwtHeader, type VerifiedToken } from '@latchkey/core';
import { authErrorHandler, authenticate, claimCheck, guard, requireScopes, type AuthenticateOptions, type LatchkeyClaims } from '@latchkey/express';

// How a user types their own claims: once, for every route.
declare module '@latchkey/express' {
  interface LatchkeyClaims {
    org_id: string;
  }
}

const verifier = createVerifier({ keys: staticKeys({ keys: [] }), algorithms: ['RS256'], issuer: 'https://idp', audience: 'api' });

test('req.auth is typed by LatchkeyClaims, and optional', () => {
  const app = express();
  app.get('/', authenticate({ verifier }), guard(requireScopes('read')), (req, res) => {
    expectTypeOf(req.auth).toEqualTypeOf<VerifiedToken<LatchkeyClaims> | null | undefined>();
    expectTypeOf(req.auth!.payload.org_id).toBeString();
    expectTypeOf(req.auth!.payload.sub).toEqualTypeOf<string | undefined>();
    expectTypeOf(req.auth!.header).toEqualTypeOf<JwtHeader>();
    // @ts-expect-error auth may be absent (optional routes, routes without authenticate)
    res.json(req.auth.payload);
  });
  app.use(authErrorHandler());
});

test('middleware types', () => {
  expectTypeOf(authenticate({ verifier })).toEqualTypeOf<RequestHandler>();
  expectTypeOf(
    authenticate({ verifier: { keys: staticKeys({ keys: [] }), algorithms: ['ES256'], issuer: null, audience: null } }),
  ).toEqualTypeOf<RequestHandler>();
  expectTypeOf(guard(requireScopes('a'))).toEqualTypeOf<RequestHandler>();
});

test('claim checks see the typed claims', () => {
  guard(claimCheck((payload) => payload.org_id.startsWith('acme')));
  // @ts-expect-error org_id is a string
  guard(claimCheck((payload) => payload.org_id.toFixed()));
  // @ts-expect-error a check returns a boolean
  claimCheck(() => 'yes');
});

test('should not compile', () => {
  // @ts-expect-error the verifier is required
  authenticate({ optional: true });
  // @ts-expect-error optional is a boolean
  authenticate({ verifier, optional: 'yes' });
  // @ts-expect-error there is no option to rename req.auth
  authenticate({ verifier, property: 'user' });
  // @ts-expect-error scopes are strings
  requireScopes(42);
  // @ts-expect-error a guard takes rules, not scope names
  guard('read');
  // @ts-expect-error the verifier's algorithms are checked
  authenticate({ verifier: { keys: staticKeys({ keys: [] }), algorithms: ['none'], issuer: null, audience: null } });
});

test('AuthenticateOptions names what authenticate takes, as in every adapter', () => {
  // JwtPayload, the verifier's claims: the default (LatchkeyClaims) is augmented above with org_id.
  const options: AuthenticateOptions<JwtPayload> = { verifier, optional: true, realm: 'api' };
  authenticate(options);
  expectTypeOf<AuthenticateOptions>().toHaveProperty('verifier');
});
