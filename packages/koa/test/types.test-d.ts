import Koa, { type Middleware, type ParameterizedContext } from 'koa';
import { expectTypeOf, test } from 'vitest';
import { createVerifier, staticKeys, type JwtPayload, type VerifiedToken } from '@latchkey/core';
import { authErrorHandler, authenticate, claimCheck, guard, requireScopes, type AuthState, type AuthenticateOptions, type LatchkeyClaims } from '@latchkey/koa';

// How a user types their own claims: once, for every middleware.
declare module '@latchkey/koa' {
  interface LatchkeyClaims {
    org_id: string;
  }
}

const verifier = createVerifier({ keys: staticKeys({ keys: [] }), algorithms: ['RS256'], issuer: 'https://idp', audience: 'api' });

test('ctx.state.auth is typed by LatchkeyClaims, and optional', () => {
  const app = new Koa();
  app.use(authErrorHandler());
  app.use(authenticate({ verifier }));
  app.use(guard(requireScopes('read')));
  app.use((ctx) => {
    expectTypeOf(ctx.state.auth).toEqualTypeOf<VerifiedToken<LatchkeyClaims> | null | undefined>();
    expectTypeOf(ctx.state.auth!.payload.org_id).toBeString();
    // @ts-expect-error auth may be absent (optional routes)
    ctx.body = ctx.state.auth.payload;
  });
});

test('the middleware fits apps with their own state type', () => {
  interface AppState {
    requestId: string;
  }
  const app = new Koa<AppState>();
  const next = app.use(authenticate({ verifier }));
  next.use((ctx) => {
    expectTypeOf(ctx.state.requestId).toBeString();
    expectTypeOf(ctx.state.auth).toEqualTypeOf<VerifiedToken<LatchkeyClaims> | null | undefined>();
  });
  expectTypeOf(authenticate({ verifier })).toEqualTypeOf<Middleware<AuthState>>();
  expectTypeOf(guard(requireScopes('a'))).toMatchTypeOf<(ctx: ParameterizedContext<AuthState>, next: () => Promise<unknown>) => unknown>();
});

test('claim checks see the typed claims', () => {
  guard(claimCheck((payload) => payload.org_id.startsWith('acme')));
  // @ts-expect-error org_id is a string
  guard(claimCheck((payload) => payload.org_id.toFixed()));
  claimCheck<LatchkeyClaims>((payload) => payload.org_id.startsWith('acme'));
});

test('should not compile', () => {
  // @ts-expect-error the verifier is required
  authenticate({ optional: true });
  // @ts-expect-error realm is a string
  authenticate({ verifier, realm: 1 });
  // @ts-expect-error there is no option to rename ctx.state.auth
  authenticate({ verifier, key: 'user' });
  // @ts-expect-error scopes are strings
  requireScopes(42);
  // @ts-expect-error a guard takes rules, not scope names
  guard('read');
});

test('AuthenticateOptions names what authenticate takes, as in every adapter', () => {
  // JwtPayload, the verifier's claims: the default (LatchkeyClaims) is augmented above with org_id.
  const options: AuthenticateOptions<JwtPayload> = { verifier, optional: true, realm: 'api' };
  authenticate(options);
  expectTypeOf<AuthenticateOptions>().toHaveProperty('verifier');
});
